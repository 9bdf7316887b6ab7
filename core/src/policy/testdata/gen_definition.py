"""Writes definition_changes.xml: histories recorded under older definitions.

a: a reloadable parameter (fake) changed; the restart digest covers only
   "state" -> reload-agent, and the 10s monitor is issued again.
b: the agent changed from lsb:dummy -> history deleted, restarted.
c: only passwd changed, listed in op-secure-params -> nothing.
d: the start digest changed and there is no restart digest -> restart.
"""
import hashlib


def md5(d):
    s = ' <parameters' + ''.join(' %s="%s"' % (k, v) for k, v in sorted(d.items())) + '/>\n'
    return hashlib.md5(s.encode()).hexdigest()


def op(rsc, node, task, interval, call, rc, extra):
    key = f"{rsc}_{task}_{interval}"
    rid = key if interval else f"{rsc}_last_0"
    exp = 7 if (task == "monitor" and interval == 0) else 0
    return (f'<lrm_rsc_op id="{rid}" operation_key="{key}" operation="{task}" crm-debug-origin="test" crm_feature_set="3.16.1" '
            f'transition-key="{call}:1:{exp}:00000000-0000-0000-0000-000000000000" transition-magic="0:{rc};{call}:1:{exp}:00000000-0000-0000-0000-000000000000" '
            f'exit-reason="" on_node="{node}" call-id="{call}" rc-code="{rc}" op-status="0" interval="{interval}" last-rc-change="1700000000" exec-time="0" queue-time="0" {extra}/>')


def lrm(rsc, agent, ops):
    cls, prov, typ = agent
    p = f' provider="{prov}"' if prov else ''
    return f'<lrm_resource id="{rsc}" class="{cls}"{p} type="{typ}">' + ''.join(ops) + '</lrm_resource>'


def prim(rid, params):
    ia = ''.join(f'<nvpair id="{rid}-{k}" name="{k}" value="{v}"/>' for k, v in params.items())
    return (f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="{rid}-ia">{ia}</instance_attributes>'
            f'<operations><op id="{rid}-monitor-10s" name="monitor" interval="10s"/></operations></primitive>')


def ns(n, body):
    return f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="{n}"><lrm_resources>{body}</lrm_resources></lrm></node_state>'


dummy = ("ocf", "pacemaker", "Dummy")
a_old, a_new = {'fake': 'old'}, {'fake': 'new'}
c_old, c_new = {'passwd': 'old', 'fake': 'x'}, {'passwd': 'new', 'fake': 'x'}
a_start = op('a', 'n1', 'start', 0, 2, 0, f'op-digest="{md5(a_old)}" op-force-restart=" state " op-restart-digest="{md5({})}"')
a_mon = op('a', 'n1', 'monitor', 10000, 3, 0, f'op-digest="{md5(dict(a_old, CRM_meta_timeout="20000"))}"')
c_start = op('c', 'n1', 'start', 0, 2, 0, f'op-digest="{md5(c_old)}" op-secure-params=" passwd " op-secure-digest="{md5({"fake": "x"})}"')
d_start = op('d', 'n2', 'start', 0, 2, 0, f'op-digest="{md5({"fake": "old"})}"')


def probe(r, n, d):
    return op(r, n, 'monitor', 0, 1, 7, f'op-digest="{md5(d)}"')


n1 = [lrm('a', dummy, [a_start, a_mon]),
      lrm('b', ("lsb", None, "dummy"), [op('b', 'n1', 'start', 0, 2, 0, f'op-digest="{md5({})}"')]),
      lrm('c', dummy, [c_start]),
      lrm('d', dummy, [probe('d', 'n1', {'fake': 'new'})])]
n2 = [lrm('a', dummy, [probe('a', 'n2', a_new)]), lrm('b', dummy, [probe('b', 'n2', {})]),
      lrm('c', dummy, [probe('c', 'n2', c_new)]), lrm('d', dummy, [d_start])]
res = prim('a', a_new) + prim('b', {}) + prim('c', c_new) + prim('d', {'fake': 'new'})
cons = ('<rsc_location id="a-n1" rsc="a" node="n1" score="100"/><rsc_location id="b-n1" rsc="b" node="n1" score="100"/>'
        '<rsc_location id="c-n1" rsc="c" node="n1" score="100"/><rsc_location id="d-n2" rsc="d" node="n2" score="100"/>')
xml = f'''<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="n1">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
    <nodes><node id="n1" uname="n1"></node><node id="n2" uname="n2"></node></nodes>
    <resources>{res}</resources>
    <constraints>{cons}</constraints>
  </configuration>
  <status>{ns("n1", "".join(n1))}{ns("n2", "".join(n2))}</status>
</cib>
'''
open('definition_changes.xml', 'w').write(xml)
