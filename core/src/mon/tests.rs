use super::*;
use crate::cib::xml::parse_cib;

const TWO_NODES: &str = r#"<cib admin_epoch="0" epoch="1" num_updates="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <group id="g">
        <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/>
        <primitive id="db" class="lsb" type="mysqld"/>
      </group>
      <clone id="ping-clone">
        <primitive id="ping" class="ocf" provider="pacemaker" type="ping"/>
      </clone>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
          <lrm_rsc_op id="vip_last_0" operation_key="vip_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0"/>
        </lrm_resource>
        <lrm_resource id="ping" class="ocf" provider="pacemaker" type="ping">
          <lrm_rsc_op id="ping_last_0" operation_key="ping_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources>
        <lrm_resource id="ping" class="ocf" provider="pacemaker" type="ping">
          <lrm_rsc_op id="ping_last_0" operation_key="ping_start_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"/>
        </lrm_resource>
        <lrm_resource id="db" class="lsb" type="mysqld">
          <lrm_rsc_op id="db_last_failure_0" operation_key="db_monitor_0" operation="monitor" call-id="3" rc-code="0" op-status="0" interval="0"/>
          <lrm_rsc_op id="db_last_0" operation_key="db_start_0" operation="start" call-id="4" rc-code="1" op-status="0" interval="0"/>
        </lrm_resource>
      </lrm_resources></lrm>
    </node_state>
  </status>
</cib>"#;

#[test]
fn current_status_reads_like_crm_mon() {
    let cib = parse_cib(TWO_NODES).unwrap();
    let text = Snapshot::current(&cib).render(Options { inactive: true }, 0);
    assert_eq!(
        text,
        "Node List:\n  * Online: [ node1 node2 ]\n\n\
         Full List of Resources:\n  * Resource Group: g:\n\
         \x20   * vip\t(ocf:heartbeat:IPaddr2):\t Started node1\n\
         \x20   * db\t(lsb:mysqld):\t FAILED node2\n\
         \x20 * Clone Set: ping-clone [ping]:\n    * Started: [ node1 node2 ]\n"
    );
}

#[test]
fn active_only_hides_what_is_stopped() {
    // node2 left cleanly: what it ran is stopped.
    let down = TWO_NODES.replace(
        r#"uname="node2" in_ccm="true" crmd="online" join="member" expected="member""#,
        r#"uname="node2" in_ccm="false" crmd="offline" join="down" expected="down""#,
    );
    let mut cib = parse_cib(&down).unwrap();
    // A clean shutdown leaves no history behind.
    cib.status.node_states[1].lrm = None;
    let text = Snapshot::current(&cib).render(Options { inactive: false }, 1);
    assert!(text.contains("  * Active Resources:\n"), "{text}");
    assert!(!text.contains("db\t"), "a stopped member is hidden: {text}");
    assert!(text.contains("    * OFFLINE: [ node2 ]\n"), "{text}");
    assert!(text.contains("Started: [ node1 ]"), "{text}");
}
