// Package compare judges a head result against a baseline: per scenario and metric a
// summary of both sides, a test, an effect size, a level and a one-line reason, rolled up
// into a Verdict. It is pure (no I/O) and deterministic.
//
// # Rules
//
// Comparability comes first. Without a baseline the verdict is inconclusive ("no baseline
// yet"). A different machine identity (runner, CPU model, logical CPUs, memory within 2 %)
// makes every scenario inconclusive; other machine settings (kernel, governor, turbo, SMT,
// Go, PostgreSQL) are warnings. A scenario whose definition changed is inconclusive and
// names the changed settings. Rules.AllowOtherMachine and Rules.AllowDefinitionChange turn
// those into warnings. An incomplete head result, or a scenario without a valid run, is an
// error: an unmeasured benchmark never passes.
//
// Each metric is summarised by its median and a distribution-free 95 % confidence interval
// (benchmath.AssumeNothing). Its change is relative to the baseline's median, or a
// difference for metrics with an absolute tolerance (error rate, in points). Its p-value is
// the one-sided Mann–Whitney U test for "head is worse" in the metric's bad direction.
// In A/B mode the head's and the base's runs of the same number were measured one right
// after the other (ABBA), so each head run is judged against its own base run: the change
// is the median pair's ratio and p comes from Wilcoxon's signed-rank test on the pairs' log
// ratios. The machine's drift between blocks — on a shared VM larger than the change to be
// seen — then cancels. The paired test is chosen from the design alone: when n pairs can
// reach the family's smallest threshold α/m (its smallest p is 2^-n); otherwise the
// unpaired test decides. Error rates stay judged on their pooled counts.
// Holm's step-down controls the family-wise false-alarm rate α over the gated metrics of
// the whole invocation: sorted by p, the i-th (from 0) is significant when p ≤ α/(m−i) and
// every smaller one was. Then, with w the change in the bad direction in the tolerance's
// unit:
//
//   - significant and w beyond the fail tolerance: fail;
//   - significant and w beyond the warn tolerance: warn;
//   - significant within the warn tolerance: pass ("changed, within tolerance");
//   - not significant and w beyond the fail tolerance: inconclusive;
//   - otherwise (no change, improvements): pass.
//
// Metrics that are not gated are reported (significant when p ≤ α, unadjusted), never
// judged. When the sizes of the two samples cannot produce a p-value as small as α/m (the
// exact test's smallest is 1/C(n1+n2, n1)), no regression could ever be significant: the
// gated metrics are inconclusive and the reason says how many runs are needed. Levels roll
// up with Worst. With a baseline history, each metric's drift against the oldest kept
// baseline of the same definition is reported; it never changes a level.
//
// # Confirm before alerting, and why α stays α
//
// A gate that adds runs when a result looks bad and tests again would raise its false-alarm
// rate if both looks spent the whole α. So the α is split (Stages). Stage 1 judges the
// invocation with Holm at α/2: its family-wise false-alarm probability is at most α/2.
// NeedsConfirmation then lists the scenarios with a gated metric worse than its warn
// tolerance but not significant; the gate adds a fixed number of head runs to them, and
// stage 2 judges all data (stage-1 runs plus added runs) with the Bonferroni threshold
// α/(2m), m the full family size of stage 1. The scenarios of stage 2 were chosen after
// looking at the data, yet its false alarms are bounded too. Let p_i be the p-value metric
// i would get from the combined data, whether or not it is selected. Without a real
// regression the combined head sample (stage-1 runs and a fixed number of added runs) is
// still an i.i.d. sample of the baseline's distribution, so P(p_i ≤ α/(2m)) ≤ α/(2m); the
// event "i was selected and p_i ≤ α/(2m)" lies within it. Summed over the m metrics that
// is at most α/2, and with stage 1 at most α in all. Merge keeps a stage-1 warn or fail
// (significant at stage 1's own α/2) and takes stage 2's judgement of the re-run scenarios
// otherwise, so a false alarm of the final verdict is a false alarm of one of the stages.
package compare
