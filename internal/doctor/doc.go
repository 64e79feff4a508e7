// Package doctor examines a benchmark runner and the noise of its measurements, in the
// spirit of pyperf's `system show`: `stackgate doctor` and `stackgate doctor -noise`.
//
// # Findings
//
// Check reads the machine through a file tree rooted at "/" (os.DirFS("/") in production,
// a fake tree in tests) and returns one Finding per property that shapes measurements: CPU
// frequency governor, turbo, SMT, load average, busy processes, swap, the open-file limit,
// net.core.somaxconn, net.ipv4.tcp_max_syn_backlog, the ephemeral port range, whether the
// suite pins the stack away from the load generator, virtualisation and steal time. Each
// says what the value is, what it should be, why it matters and the command that fixes it.
// A finding is Bad when it would invalidate measurements (frequency scaling, swapping, a
// load average at or above the CPUs, a foreign process using half a CPU, a hypervisor
// stealing CPU time), Warn when it adds noise, Unknown when the machine does not expose it
// (VMs and containers lack much of /sys): never an error.
//
// CPU use (busy processes, steal time, swapping) is the difference of two samples of /proc
// taken Options.Wait apart; the interval is measured in the kernel's own clock ticks
// (/proc/stat), so the checks need no clock and a test drives them by changing the fake
// tree between the samples.
//
// # Noise floor
//
// Noise turns an A/A series — the suite measured N times with nothing changed — into what
// the gate can detect on this runner: per scenario and metric the run-to-run variation
// (CV), and the smallest regression the gate's test finds significant in at least 80 % of
// invocations at the configured runs, α and tolerances. The test is the one the gate runs,
// a one-sided Mann–Whitney U test, at the threshold a single regression faces: Holm over m
// gated metrics makes the first threshold α/m the strictest, α/(2m) when the gate splits α
// with a confirmation stage (see package compare). The sensitivity is estimated by a
// seeded simulation of that exact test on normal noise with the measured standard
// deviation (Sensitivity), not by the normal approximation with the test's asymptotic
// relative efficiency 3/π: with 7 to 12 runs and thresholds near 0.001 the approximation
// promises regressions the test catches only half the time. With a confirmation stage the
// simulation adds the confirmation runs as the gate does. Cross-check: with 12 runs,
// 3 % noise, α 0.01 over 15 gated metrics and confirmation, it finds 5.0 %, where
// compare's statistical self-check measures 81 % of 5 % regressions flagged.
//
// The gate flags a regression only beyond the metric's warn tolerance, so max(δ, warn) is
// the smallest regression it can flag. A tolerance below δ is partly blind: the gate misses
// most regressions between the two. A gated metric is Real when δ is within its warn
// tolerance, Loose when only within the fail tolerance, and Theatre beyond that: even a
// failing regression slips through. RunsNeeded says how many runs would bring δ down to a
// target.
package doctor
