package ghaction

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzEvent: no webhook payload makes the Action panic, whatever the event name; what is
// accepted goes through the mode × event table without panicking either.
func FuzzEvent(f *testing.F) {
	for _, name := range []string{"pull_request.opened.json", "pull_request.synchronize.json", "push.branch-with-commit.json", "push.tag-deleted.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "github", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(2))
	}
	f.Add([]byte(`{"merge_group": {"base_sha": "x"}}`), uint8(3))
	events := []string{EventPullRequest, EventPullRequestTarget, EventPush, EventMergeGroup, EventSchedule, EventWorkflowDispatch}
	f.Fuzz(func(t *testing.T, payload []byte, which uint8) {
		ev, err := parseEvent(events[int(which)%len(events)], "", "event.json", payload)
		if err != nil {
			return
		}
		for _, mode := range []string{ModeGate, ModeRecord, ModeAB, ModeAuto} {
			decide(ev, Inputs{Mode: mode}, "self-hosted")
		}
	})
}
