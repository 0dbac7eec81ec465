# Independent check of analysis.json against numpy/scipy on the sample (not part of CI).
import csv, json, sys, collections
import numpy as np
from scipy import stats
rows = list(csv.DictReader(open(sys.argv[1])))
doc = json.load(open(sys.argv[2]))
ts = np.array([int(r['timestamp']) for r in rows]); q = np.array([float(r['qoe']) for r in rows]); e = np.array([float(r['engagement']) for r in rows]); b = np.array([float(r['buffer_ms']) for r in rows])
vt = np.array([r['viewer_type'] for r in rows]); ev = np.array([r['event_id'] for r in rows]); vw = np.array([r['viewer_id'] for r in rows]); co=np.array([r['country_id'] for r in rows]); cu=np.array([r['customer_id'] for r in rows]); ci=np.array([r['city_id'] for r in rows])
bad = 0
def check(name, a, b, tol=1e-9):
    global bad
    ok = (a is None and b is None) or (a is not None and b is not None and abs(a-b) <= tol*max(1,abs(b)))
    if not ok: bad += 1; print("MISMATCH", name, a, b)
for m, x in [('qoe', q), ('engagement', e)]:
    a, c = x[vt=='WFH'], x[vt=='WFO']
    k = stats.ks_2samp(a, c, method='asymp'); u = stats.mannwhitneyu(a, c, method='asymptotic')
    d = doc['viewer_type'][m]
    check(m+' D', d['ks_statistic'], k.statistic); check(m+' ks p', d['ks_p_value'], k.pvalue, 1e-6)
    check(m+' U', d['mw_u'], u.statistic); check(m+' mw p', d['mw_p_value'], u.pvalue, 1e-6)
    check(m+' std', d['groups']['WFH']['std'], np.std(a, ddof=1)); check(m+' median', d['groups']['WFO']['median'], np.median(c))
cols = [q, e, b]
for i in range(3):
    for j in range(3):
        check(f'pearson {i}{j}', doc['correlation']['pearson'][i][j], stats.pearsonr(cols[i], cols[j])[0] if i!=j else 1.0)
        check(f'spearman {i}{j}', doc['correlation']['spearman'][i][j], stats.spearmanr(cols[i], cols[j])[0] if i!=j else 1.0)
# events and retention
order = np.lexsort((ts, vw, ev))
evs = {}
for k in np.unique(ev):
    m = ev == k; t = ts[m]; span = t.max()-t.min()
    rets = []; pe = []
    for v in np.unique(vw[m]):
        mv = m & (vw == v); tv = ts[mv]; rets.append((tv.max()-tv.min())/span if span>0 else 0)
    d = doc['events'][k]
    check('ev duration '+k, d['duration_s'], span/1000); check('ev viewers '+k, d['viewers'], len(np.unique(vw[m])))
    check('ev retention '+k, d['mean_retention'], np.mean(rets)); check('ev qoe '+k, d['mean_qoe'], q[m].mean())
    import datetime
    check('ev weekday '+k, d['weekday'], datetime.datetime.utcfromtimestamp(t.min()/1000).weekday())
# level durations by viewer type
secs = collections.Counter()
for k in range(len(order)):
    i = order[k]
    nxt = order[k+1] if k+1 < len(order) else None
    dur = 0 if nxt is None or ev[nxt]!=ev[i] or vw[nxt]!=vw[i] else min(ts[nxt]-ts[i], 120000)/1000
    lvl = np.round(e[i]*10)/10  # numpy round-half-even on e*10
    secs[(vt[i], f"{lvl:.1f}")] += dur
for (g, l), s in secs.items():
    check(f'level {g}|{l}', doc['level_duration_s']['by_viewer_type'].get(f'{g}|{l}', 0.0), s, 1e-9)
# over time p10/p50 per (group, minute): sample a few
start = {k: ts[ev==k].min() for k in np.unique(ev)}
minute = np.array([(ts[i]-start[ev[i]])//60000 for i in range(len(ts))])
for r in doc['over_time']['qoe'][:50]:
    if r['group'] in ('WFH','WFO'):
        x = q[(vt==r['group']) & (minute==r['minute'])]
        check(f"ot p10 {r['group']} {r['minute']}", r['p10'], np.percentile(x,10)); check(f"ot p90 {r['group']} {r['minute']}", r['p90'], np.percentile(x,90))
# differences for each customer/country
for r in doc['country_differences']:
    m = cu == r['customer_id']; g = m & (co == r['country_id']); rest = m & (co != r['country_id'])
    k = stats.ks_2samp(q[g], q[rest], method='asymp')
    check('diff D', r['ks_statistic'], k.statistic); check('diff p', r['p_value'], k.pvalue, 1e-6)
print("checked; mismatches:", bad)
