package ghaction

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// GitIn is a GitFunc running git in dir ("" = the current directory, the workspace on a
// runner).
func GitIn(dir string) GitFunc {
	return func(ctx context.Context, args ...string) (string, error) {
		if dir != "" {
			args = append([]string{"-C", dir}, args...)
		}
		cmd := exec.CommandContext(ctx, "git", args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
		}
		return out.String(), nil
	}
}
