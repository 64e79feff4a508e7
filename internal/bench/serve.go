package bench

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/stackgate/stackgate/internal/config"
)

// Serve provisions the suite as Measure does — builds, the managed PostgreSQL, the
// dataset — and then, for each scenario of opt in turn, starts the stack on a freshly
// reset database, checks that the endpoint answers correctly, and calls use with the URL
// to load; the stack stops when use returns, and Serve fails if it died meanwhile. It
// measures nothing itself: it is for loading the stack stackgate measures with another
// load generator, side by side with stackgate's (bench/peers compares wrk's throughput
// with stackgate's on real stacks). opt.Base is not used.
func Serve(ctx context.Context, opt Options, use func(ctx context.Context, sc config.Scenario, url string) error) error {
	opt.Base = nil
	m := &measurement{opt: opt, suite: opt.Suite, logs: filepath.Join(opt.OutDir, "logs")}
	s := newSide(opt, Head, opt.Suite, m.logs)
	m.sides = []*side{s}
	return m.provision(ctx, func() error {
		for _, sc := range opt.scenarios() {
			if err := m.serveOne(ctx, s, sc, use); err != nil {
				return fmt.Errorf("scenario %s: %w", sc.Name, err)
			}
		}
		return nil
	})
}

func (m *measurement) serveOne(ctx context.Context, s *side, sc config.Scenario, use func(context.Context, config.Scenario, string) error) error {
	phase := func(name string) { m.emit(Event{Kind: Phase, Side: s.name, Run: 1, Scenario: sc.Name, Phase: name}) }
	st, url, err := m.startChecked(ctx, s, sc, 1, map[string]string{}, phase)
	if st != nil {
		defer st.Stop()
	}
	if err != nil {
		return err
	}
	if err := use(ctx, sc, url); err != nil {
		return err
	}
	return st.Check()
}
