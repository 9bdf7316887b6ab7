import hashlib
DIGEST = hashlib.md5(b' <parameters/>\n').hexdigest()
MDIGEST = hashlib.md5(b' <parameters CRM_meta_timeout="20000"/>\n').hexdigest()
def op(rsc, task, call, rc=0, interval=0, expected=None):
    if expected is None:
        expected = 7 if (task == 'monitor' and interval == 0) else 0
    key = f"{rsc}_{task}_{interval}"
    oid = f"{rsc}_last_0" if interval == 0 else key
    if rc != expected and interval != 0:
        oid = f"{rsc}_last_failure_0"
    return (f'<lrm_rsc_op id="{oid}" operation_key="{key}" operation="{task}" crm-debug-origin="test" crm_feature_set="3.16.1" '
            f'transition-key="{call}:1:{expected}:00000000-0000-0000-0000-000000000000" transition-magic="0:{rc};{call}:1:{expected}:00000000-0000-0000-0000-000000000000" '
            f'exit-reason="" on_node="NODE" call-id="{call}" rc-code="{rc}" op-status="0" interval="{interval}" last-rc-change="1700000000" exec-time="0" queue-time="0" op-digest="{MDIGEST if interval else DIGEST}"/>')
def lrm(node, rscs):
    out = []
    for rid, ops in rscs.items():
        agent = 'class="stonith" type="fence_dummy"' if rid == 'fence' else 'class="ocf" provider="pacemaker" type="Dummy"'
        out.append(f'<lrm_resource id="{rid}" {agent}>' + "".join(o.replace("NODE", node) for o in ops) + '</lrm_resource>')
    return '<lrm id="%s"><lrm_resources>%s</lrm_resources></lrm>' % (node, "".join(out))
def node_state(node, rscs=None, online=True, attrs=None, lost=False):
    if lost:
        head = f'<node_state id="{node}" uname="{node}" in_ccm="false" crmd="offline" join="down" expected="member">'
    elif online:
        head = f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" join="member" expected="member">'
    else:
        head = f'<node_state id="{node}" uname="{node}" in_ccm="false" crmd="offline" join="down" expected="down">'
    body = lrm(node, rscs or {})
    if attrs:
        body += f'<transient_attributes id="{node}"><instance_attributes id="status-{node}">' + "".join(
            f'<nvpair id="status-{node}-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items()) + '</instance_attributes></transient_attributes>'
    return head + body + '</node_state>'
def prim(rid, monitor=True):
    ops = '<operations><op id="%s-monitor-10s" name="monitor" interval="10s"/></operations>' % rid if monitor else ''
    return f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{ops}</primitive>'
def cib(props, nodes, resources, constraints, status, node_attrs=None, rsc_defaults=''):
    node_attrs = node_attrs or {}
    nx = "".join(
        f'<node id="{n}" uname="{n}">' + ("".join(f'<instance_attributes id="{n}-ia"><nvpair id="{n}-{k}" name="{k}" value="{v}"/></instance_attributes>' for k, v in node_attrs.get(n, {}).items())) + '</node>'
        for n in nodes)
    px = "".join(f'<nvpair id="opt-{k}" name="{k}" value="{v}"/>' for k, v in props.items())
    return (f'<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="{nodes[0]}">\n'
            f'  <configuration>\n    <crm_config><cluster_property_set id="cib-bootstrap-options">{px}</cluster_property_set></crm_config>\n'
            f'    <nodes>{nx}</nodes>\n    <resources>{resources}</resources>\n    <constraints>{constraints}</constraints>\n{rsc_defaults}'
            f'  </configuration>\n  <status>{status}</status>\n</cib>\n')
NOSTONITH = {"stonith-enabled": "false"}
running = lambda r: {r: [op(r, 'start', 2), op(r, 'monitor', 3, interval=10000)]}
stopped = lambda r: {r: [op(r, 'monitor', 1, rc=7)]}
def merge(*ds):
    out = {}
    for d in ds: out.update(d)
    return out
cases = {}
# stickiness keeps a resource where it runs despite a preference elsewhere
cases['stickiness_keeps'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip'),
    '<rsc_location id="prefer-n2" rsc="vip" node="n2" score="50"/>',
    node_state('n1', running('vip')) + node_state('n2', stopped('vip')),
    rsc_defaults='<rsc_defaults><meta_attributes id="rd"><nvpair id="rd-s" name="resource-stickiness" value="100"/></meta_attributes></rsc_defaults>\n')
# without enough stickiness it moves
cases['location_moves'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip'),
    '<rsc_location id="prefer-n2" rsc="vip" node="n2" score="50"/>',
    node_state('n1', running('vip')) + node_state('n2', stopped('vip')))
# standby node: resources move off it
cases['standby_moves'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip') + prim('web'), '',
    node_state('n1', merge(running('vip'), running('web'))) + node_state('n2', merge(stopped('vip'), stopped('web'))),
    node_attrs={'n1': {'standby': 'on'}})
# colocation: web follows vip, which prefers n2; nothing probed yet on n2
cases['colocation_follows'] = cib(NOSTONITH, ['n1', 'n2', 'n3'], prim('vip') + prim('web'),
    '<rsc_location id="vip-n2" rsc="vip" node="n2" score="100"/><rsc_colocation id="web-with-vip" rsc="web" with-rsc="vip" score="INFINITY"/>',
    node_state('n1') + node_state('n2') + node_state('n3'))
# order: db stopped by target-role keeps app from starting
cases['order_blocks_start'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('db').replace('</primitive>', '<meta_attributes id="db-meta"><nvpair id="db-tr" name="target-role" value="Stopped"/></meta_attributes></primitive>') + prim('app'),
    '<rsc_order id="db-then-app" first="db" then="app" kind="Mandatory"/>',
    node_state('n1', merge(stopped('db'), stopped('app'))) + node_state('n2', merge(stopped('db'), stopped('app'))))
# group: members start together on one node, in order
cases['group_starts'] = cib(NOSTONITH, ['n1', 'n2'],
    '<group id="g">' + prim('fs') + prim('ip') + prim('srv') + '</group>',
    '<rsc_location id="g-n2" rsc="g" node="n2" score="10"/>',
    node_state('n1') + node_state('n2'))
# fail-count reached migration-threshold: the resource leaves the node
cases['failcount_ban'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('vip').replace('</primitive>', '<meta_attributes id="vip-meta"><nvpair id="vip-mt" name="migration-threshold" value="2"/></meta_attributes></primitive>'),
    '',
    node_state('n1', running('vip'), attrs={'fail-count-vip#monitor_10000': '2', 'last-failure-vip#monitor_10000': '1700000000'}) + node_state('n2', stopped('vip')))
# a lost node with fencing: fenced, then its resource is started elsewhere
cases['unclean_fenced'] = cib({"stonith-enabled": "true"}, ['n1', 'n2'],
    '<primitive id="fence" class="stonith" type="fence_dummy"/>' + prim('vip'), '',
    node_state('n1', running('vip'), lost=True) + node_state('n2', merge(stopped('vip'), {'fence': [op('fence', 'start', 2)]})))
# equal priority: resources are placed in configuration order, even when a
# later one has better scores (a first takes n1, b then the emptier n2)
cases['config_order_places'] = cib(NOSTONITH, ['n1', 'n2'], prim('a', False) + prim('b', False),
    '<rsc_location id="a-not-n2" rsc="a" node="n2" score="-INFINITY"/>',
    node_state('n1') + node_state('n2'))
# two monitor definitions with the same interval: neither is scheduled
cases['duplicate_monitor'] = cib(NOSTONITH, ['n1', 'n2'],
    '<primitive id="vip" class="ocf" provider="pacemaker" type="Dummy"><operations>'
    '<op id="vip-monitor-10s" name="monitor" interval="10s"/><op id="vip-monitor-10s-b" name="monitor" interval="10s" timeout="30s"/>'
    '</operations></primitive>' + prim('web'),
    '', node_state('n1', {'vip': [op('vip', 'start', 2)]}) + node_state('n2', merge(stopped('vip'), stopped('web'))))
# a probe still in flight leaves the state unknown: probed again
cases['pending_probe'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip'), '',
    node_state('n1', {'vip': [op('vip', 'monitor', 2, rc=-1, expected=7).replace('op-status="0"', 'op-status="-1"')]})
    + node_state('n2', stopped('vip')))
# a recorded monitor whose definition changed interval is cancelled
cases['orphan_monitor_cancel'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('vip').replace('10s', '20s'), '',
    node_state('n1', running('vip')) + node_state('n2', stopped('vip')))
# a unique clone instance on a standby node must not take the node of an
# instance that stays: d:1 keeps n2, d:0 moves to n3
cases['clone_instance_stays'] = cib(NOSTONITH, ['n1', 'n2', 'n3'],
    '<clone id="c"><meta_attributes id="c-meta"><nvpair id="c-gu" name="globally-unique" value="true"/>'
    '<nvpair id="c-max" name="clone-max" value="2"/></meta_attributes>' + prim('d') + '</clone>', '',
    node_state('n1', {'d:0': [op('d:0', 'start', 2), op('d:0', 'monitor', 3, interval=10000)]})
    + node_state('n2', {'d:1': [op('d:1', 'start', 2), op('d:1', 'monitor', 3, interval=10000)]})
    + node_state('n3', {'d:0': [op('d:0', 'monitor', 1, rc=7)], 'd:1': [op('d:1', 'monitor', 1, rc=7)]}),
    node_attrs={'n1': {'standby': 'on'}})
STOPPED_META = lambda r: f'<meta_attributes id="{r}-meta"><nvpair id="{r}-tr" name="target-role" value="Stopped"/></meta_attributes>'
# b's failed monitor is on-fail=block, so b never stops; a's stop must wait
# for b's (order a then b), so a keeps running despite target-role=Stopped
cases['blocked_stop_holds'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('a').replace('</primitive>', STOPPED_META('a') + '</primitive>')
    + prim('b').replace('interval="10s"/>', 'interval="10s" on-fail="block"/>'),
    '<rsc_order id="a-then-b" first="a" then="b" kind="Mandatory"/>',
    node_state('n1', merge(running('a'), {'b': [op('b', 'start', 2), op('b', 'monitor', 4, rc=1, interval=10000)]}))
    + node_state('n2', merge(stopped('a'), stopped('b'))))
# an order with an unordered group applies to every member: all stop
cases['unordered_group_order'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('x').replace('</primitive>', STOPPED_META('x') + '</primitive>')
    + '<group id="g"><meta_attributes id="g-meta"><nvpair id="g-o" name="ordered" value="false"/>'
    '<nvpair id="g-c" name="collocated" value="false"/></meta_attributes>' + prim('m1') + prim('m2') + '</group>',
    '<rsc_order id="x-then-g" first="x" then="g" kind="Mandatory"/>',
    node_state('n1', merge(stopped('x'), running('m1'), running('m2')))
    + node_state('n2', merge(stopped('x'), stopped('m1'), stopped('m2'))))
# engine must run with central, which cannot start (it needs x, stopped):
# the running engine stops
cases['coloc_primary_unrunnable'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('x').replace('</primitive>', STOPPED_META('x') + '</primitive>') + prim('central') + prim('engine'),
    '<rsc_order id="x-then-central" first="x" then="central" kind="Mandatory"/>'
    '<rsc_colocation id="engine-with-central" rsc="engine" with-rsc="central" score="INFINITY"/>',
    node_state('n1', merge(stopped('x'), stopped('central'), running('engine')))
    + node_state('n2', merge(stopped('x'), stopped('central'), stopped('engine'))))
# interleaved clones: a's instance on n1 is recovered, so only b's instance
# on n1 restarts (without interleave, b would restart on both nodes)
cases['interleave_restart'] = cib(NOSTONITH, ['n1', 'n2'],
    '<clone id="ca">' + prim('a') + '</clone>'
    + '<clone id="cb"><meta_attributes id="cb-meta"><nvpair id="cb-il" name="interleave" value="true"/></meta_attributes>' + prim('b') + '</clone>',
    '<rsc_order id="ca-then-cb" first="ca" then="cb" kind="Mandatory"/>',
    node_state('n1', merge({'a': [op('a', 'start', 2), op('a', 'monitor', 4, rc=1, interval=10000)]}, running('b')))
    + node_state('n2', merge(running('a'), running('b'))))
# promotable clones: instance s runs with a Promoted monitor (10s, rc 8
# while promoted) and an Unpromoted one (11s)
def promotable(rid, extra_meta=''):
    ops = (f'<operations><op id="{rid}-mon-p" name="monitor" interval="10s" role="Promoted"/>'
           f'<op id="{rid}-mon-u" name="monitor" interval="11s" role="Unpromoted"/></operations>')
    return (f'<clone id="ms-{rid}"><meta_attributes id="ms-{rid}-meta"><nvpair id="ms-{rid}-p" name="promotable" value="true"/>{extra_meta}'
            f'</meta_attributes><primitive id="{rid}" class="ocf" provider="pacemaker" type="Stateful">{ops}</primitive></clone>')
def stateful_op(rsc, task, call, rc=0, interval=0, expected=None):
    return op(rsc, task, call, rc, interval, expected).replace('type="Dummy"', 'type="Stateful"')
promoted_s = lambda r: {r: [op(r, 'promote', 3), op(r, 'monitor', 4, rc=8, interval=10000, expected=8)]}
unpromoted_s = lambda r: {r: [op(r, 'start', 2), op(r, 'monitor', 4, interval=11000)]}
def stateful_state(node, rscs, attrs=None):
    return node_state(node, rscs, attrs=attrs).replace(
        '<lrm_resource id="s" class="ocf" provider="pacemaker" type="Dummy">',
        '<lrm_resource id="s" class="ocf" provider="pacemaker" type="Stateful">')
# d must never run where ms-s is promoted: the promotion (n1, higher
# master-s) is decided before d is placed, so d leaves n1
cases['anti_coloc_promoted'] = cib(NOSTONITH, ['n1', 'n2'], promotable('s') + prim('d'),
    '<rsc_colocation id="d-not-with-promoted" rsc="d" with-rsc="ms-s" with-rsc-role="Promoted" score="-INFINITY"/>',
    stateful_state('n1', merge(promoted_s('s'), running('d')), attrs={'master-s': '10'})
    + stateful_state('n2', merge(unpromoted_s('s'), stopped('d')), attrs={'master-s': '5'}))
# the promoted role follows vip (on n2): instances stay where they are,
# the one on n2 is promoted (a role colocation moves no instance)
cases['promoted_follows_coloc'] = cib(NOSTONITH, ['n1', 'n2'], promotable('s') + prim('vip'),
    '<rsc_location id="vip-n2" rsc="vip" node="n2" score="100"/>'
    '<rsc_colocation id="promoted-with-vip" rsc="ms-s" rsc-role="Promoted" with-rsc="vip" score="INFINITY"/>',
    stateful_state('n1', merge(unpromoted_s('s'), stopped('vip')))
    + stateful_state('n2', merge(unpromoted_s('s'), running('vip'))))
# a ban of the promoted role on n1: s is demoted there, its Promoted
# monitor cancelled and its Unpromoted one started; n2's is promoted
cases['demote_cancels_monitor'] = cib(NOSTONITH, ['n1', 'n2'], promotable('s'),
    '<rsc_location id="no-promoted-n1" rsc="ms-s" role="Promoted" node="n1" score="-INFINITY"/>',
    stateful_state('n1', promoted_s('s'), attrs={'master-s': '10'})
    + stateful_state('n2', unpromoted_s('s'), attrs={'master-s': '5'}))
# an anonymous clone's records: on n2 the probe found x:0 stopped and x:1
# runs there, while x:0 runs on n1; no instance is active twice
cases['clone_history_numbering'] = cib(NOSTONITH, ['n1', 'n2'], '<clone id="cx">' + prim('x') + '</clone>', '',
    node_state('n1', {'x:0': [op('x:0', 'start', 2), op('x:0', 'monitor', 3, interval=10000)]})
    + node_state('n2', {'x:0': [op('x:0', 'monitor', 1, rc=7)],
                        'x:1': [op('x:1', 'start', 2), op('x:1', 'monitor', 3, interval=10000)]}))
# ca is banned from n1, so cb (interleaved) cannot start there; d, after
# cb, waits only for one instance of cb, so it still starts
cases['interleave_partial_start'] = cib(NOSTONITH, ['n1', 'n2', 'n3'],
    '<clone id="ca">' + prim('a') + '</clone>'
    + '<clone id="cb"><meta_attributes id="cb-meta"><nvpair id="cb-il" name="interleave" value="true"/></meta_attributes>' + prim('b') + '</clone>'
    + prim('d'),
    '<rsc_location id="ca-not-n1" rsc="ca" node="n1" score="-INFINITY"/>'
    '<rsc_location id="d-n1" rsc="d" node="n1" score="10"/>'
    '<rsc_order id="ca-then-cb" first="ca" then="cb" kind="Mandatory"/>'
    '<rsc_order id="cb-then-d" first="cb" then="d" kind="Mandatory"/>',
    node_state('n1', merge(stopped('a'), stopped('b'), stopped('d')))
    + node_state('n2', merge(stopped('a'), stopped('b'), stopped('d')))
    + node_state('n3', merge(stopped('a'), stopped('b'), stopped('d'))))
# a colocation loop (a with b, b with c, c with a): the colocation that
# leads back to the resource being placed is skipped, so all three still
# start, together
cases['colocation_loop'] = cib(NOSTONITH, ['n1', 'n2', 'n3'], prim('a') + prim('b') + prim('c'),
    '<rsc_colocation id="a-with-b" rsc="a" with-rsc="b" score="INFINITY"/>'
    '<rsc_colocation id="b-with-c" rsc="b" with-rsc="c" score="INFINITY"/>'
    '<rsc_colocation id="c-with-a" rsc="c" with-rsc="a" score="INFINITY"/>'
    '<rsc_location id="c-n2" rsc="c" node="n2" score="10"/>',
    node_state('n1') + node_state('n2') + node_state('n3'))
# a group member that reached migration-threshold on every node stops
# alone: the group does not follow it off both nodes, the first member stays
cases['group_member_failed_everywhere'] = cib(NOSTONITH, ['n1', 'n2'],
    '<group id="g">' + prim('ip') + prim('app') + '</group>', '',
    node_state('n1', merge(running('ip'), {'app': [op('app', 'start', 2, rc=1)]}),
               attrs={'fail-count-app#start_0': 'INFINITY', 'last-failure-app#start_0': '1700000000'})
    + node_state('n2', merge(stopped('ip'), {'app': [op('app', 'start', 2, rc=1)]}),
               attrs={'fail-count-app#start_0': 'INFINITY', 'last-failure-app#start_0': '1700000000'}))
FENCE = '<primitive id="fence" class="stonith" type="fence_dummy"/>'
fence_running = {'fence': [op('fence', 'start', 2)]}
fence_stopped = {'fence': [op('fence', 'monitor', 1, rc=7)]}
# no-quorum-policy=suicide in a cluster that never had quorum (no
# no-quorum-panic on the cib element): nothing is fenced, vip is blocked
cases['suicide_never_quorate'] = cib({"stonith-enabled": "true", "no-quorum-policy": "suicide"}, ['n1', 'n2'],
    FENCE + prim('vip'), '',
    node_state('n1', merge(fence_stopped, stopped('vip'))) + node_state('n2', merge(fence_stopped, stopped('vip')))
    ).replace('have-quorum="1"', 'have-quorum="0"')
# the same after losing quorum (no-quorum-panic set): every node is fenced
cases['suicide_after_quorum_loss'] = cases['suicide_never_quorate'].replace('have-quorum="0"', 'have-quorum="0" no-quorum-panic="1"')
# n3 is up but has not joined (pending): vip, active nowhere and never
# probed there, cannot start; web, known on n3, starts
cases['pending_node_blocks_start'] = cib({"stonith-enabled": "true"}, ['n1', 'n2', 'n3'],
    FENCE + prim('vip') + prim('web'), '',
    node_state('n1', merge(fence_running, stopped('vip'), stopped('web')))
    + node_state('n2', merge(fence_stopped, stopped('vip'), stopped('web')))
    + node_state('n3', stopped('web')).replace('crmd="online" join="member" expected="member"', 'crmd="offline" join="down"'))
# a fence device active on a lost node and on n2: it needs only quorum, so
# the fence of n1 ends its copy there and n2's copy is not recovered; its
# monitor, recorded before the latest start, is scheduled again
cases['fence_device_active_on_lost_node'] = cib({"stonith-enabled": "true"}, ['n1', 'n2'],
    FENCE.replace('/>', '><operations><op id="fence-monitor-10s" name="monitor" interval="10s"/></operations></primitive>'), '',
    node_state('n1', fence_running, lost=True)
    + node_state('n2', {'fence': [op('fence', 'monitor', 3, interval=10000), op('fence', 'start', 4)]}))
# probe_complete=false on n2: a probe_again there instead of the probe of web
cases['reprobe_incomplete_node'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip') + prim('web'), '',
    node_state('n1', merge(running('vip'), stopped('web')))
    + node_state('n2', stopped('vip'), attrs={'probe_complete': 'false'}))
# a probe of an anonymous clone found the agent missing on n1: no instance
# of the clone runs there
cases['clone_hard_error_bans_clone'] = cib(NOSTONITH, ['n1', 'n2'], '<clone id="cx">' + prim('x') + '</clone>', '',
    node_state('n1', {'x': [op('x', 'monitor', 1, rc=5)]}) + node_state('n2', stopped('x')))
# records made with another agent than the configured one: vip (running
# on n1 as ocf:pacemaker:Stateful) stops, its record is deleted and it
# starts again; web's stopped record on n2 (another provider) is deleted
cases['agent_changed_deletes_record'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip') + prim('web'), '',
    node_state('n1', merge(running('vip'), stopped('web'))).replace(
        '<lrm_resource id="vip" class="ocf" provider="pacemaker" type="Dummy">',
        '<lrm_resource id="vip" class="ocf" provider="pacemaker" type="Stateful">')
    + node_state('n2', merge(stopped('vip'), stopped('web'))).replace(
        '<lrm_resource id="web" class="ocf" provider="pacemaker" type="Dummy">',
        '<lrm_resource id="web" class="ocf" provider="heartbeat" type="Dummy">'))
# a node shutting down is still probed (web has no record on n1)
cases['shutdown_node_probed'] = cib(NOSTONITH, ['n1', 'n2'], prim('vip') + prim('web'), '',
    node_state('n1', running('vip'), attrs={'shutdown': '1234'})
    + node_state('n2', merge(stopped('vip'), stopped('web'))))
# db recovers from a failed monitor; app is after db by an optional order,
# and its restart-type=restart (deprecated) makes it restart with db
cases['restart_type_restarts'] = cib(NOSTONITH, ['n1', 'n2'],
    prim('db') + prim('app').replace('</primitive>', '<meta_attributes id="app-meta"><nvpair id="app-rt" name="restart-type" value="restart"/></meta_attributes></primitive>'),
    '<rsc_order id="db-then-app" first="db" then="app" kind="Optional"/>'
    '<rsc_location id="db-n1" rsc="db" node="n1" score="100"/><rsc_location id="app-n1" rsc="app" node="n1" score="100"/>',
    node_state('n1', merge({'db': [op('db', 'start', 2), op('db', 'monitor', 4, rc=1, interval=10000)]}, running('app')))
    + node_state('n2', merge(stopped('db'), stopped('app'))))
# an anonymous clone with two records on n1, x:0 running and x stopped:
# both describe the one instance there, so neither is deleted as an orphan
cases['clone_duplicate_record_kept'] = cib(NOSTONITH, ['n1'], '<clone id="cx">' + prim('x') + '</clone>', '',
    node_state('n1', {'x': [op('x', 'stop', 5)], 'x:0': [op('x:0', 'start', 6), op('x:0', 'monitor', 7, interval=10000)]}))
for name, text in cases.items():
    open(f'{name}.xml', 'w').write(text)
