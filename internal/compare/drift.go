package compare

// drift records head's change against the oldest kept baseline of the same definition
// (when there is one besides the current baseline), so that creep under tolerance over many
// changes is visible: Creep marks a gated metric that drifted beyond its warn tolerance in
// its bad direction. It never changes a level.
func (c *comparison) drift(f *finding) {
	if len(c.in.History) == 0 || c.in.Head == nil || f.mv.Head.N == 0 {
		return
	}
	scenario, hash := c.v.Scenarios[f.sc].Name, c.in.Head.DefinitionHash
	for i, p := range c.in.History {
		old, ok := p.Medians[scenario][f.mv.Metric]
		if p.DefinitionHash != hash || !ok {
			continue
		}
		spans := 0
		for _, q := range c.in.History[i:] {
			if q.DefinitionHash == hash {
				spans++
			}
		}
		if spans < 2 {
			return // the oldest is the baseline itself: the comparison already shows it
		}
		d := &Drift{Since: p.Recorded, Revision: p.Revision, Change: change(old, f.mv.Head.Median, f.mv.Absolute), Baselines: spans}
		d.Creep = f.mv.Gated && worseBy(&MetricVerdict{Change: d.Change, Better: f.mv.Better, Absolute: f.mv.Absolute}) > f.mv.Tolerance.Warn
		f.mv.Drift = d
		return
	}
}
