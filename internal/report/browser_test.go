package report

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The HTML report is checked in a real browser: headless Chromium loads it from a file,
// must log nothing on its console, and saves a screenshot, in light and in dark mode. The
// screenshots are copied to the temporary directory for people to look at. Without
// Chromium the test skips, except in CI (CI=true), where .ci/run installs it.

// browserNames are the names Chromium goes by.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

const (
	browserTimeout = 90 * time.Second
	shotWidth      = 1280
	shotHeight     = 2000
)

func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "no Chromium found (looked for " + strings.Join(browserNames, ", ") + "); install Debian's chromium to check the HTML report in a browser"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screenshot loads page in headless Chromium, saves a screenshot to shot and returns
// what Chromium logged. The browser runs in its own process group, which is killed
// afterwards so that no helper process outlives the test.
func screenshot(t *testing.T, browser, page, shot string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--screenshot=" + shot, "--window-size=" + strconv.Itoa(shotWidth) + "," + strconv.Itoa(shotHeight),
	}, extra...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind; ESRCH when none
	}
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s:\n%s", browser, browserTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return stderr.String()
}

// consoleMessages are the lines where Chromium reports the page's console. The report has
// no script, so any message at all — an error, a blocked resource, a warning — is a fault.
// (Chromium logs console.error at INFO level, so the level cannot tell errors apart.)
func consoleMessages(log string) []string {
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Uncaught") {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestHTMLInBrowser(t *testing.T) {
	browser := findBrowser(t)
	dir := t.TempDir()
	head, base := failingResults(t)
	var b bytes.Buffer
	if err := HTML(&b, failingVerdict(), head, base); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, HTMLFile)
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	keep(t, page, "stackgate-report-screenshot.html")

	// Each mode: its Chromium flags, the page's background and the baseline's chart colour.
	modes := []struct {
		name       string
		flags      []string
		background color.RGBA
		baseline   color.RGBA
	}{
		{"light", nil, color.RGBA{0xff, 0xff, 0xff, 0xff}, color.RGBA{0x00, 0x72, 0xb2, 0xff}},
		{"dark", []string{"--force-dark-mode"}, color.RGBA{0x16, 0x18, 0x1c, 0xff}, color.RGBA{0x56, 0xb4, 0xe9, 0xff}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			shot := filepath.Join(dir, "report-"+m.name+".png")
			log := screenshot(t, browser, page, shot, m.flags...)
			if lines := consoleMessages(log); len(lines) > 0 {
				t.Errorf("the browser console is not silent:\n%s", strings.Join(lines, "\n"))
			}
			img := readPNG(t, shot)
			checkScreenshot(t, img, m.background, m.baseline)
			name := "stackgate-report-screenshot.png"
			if m.name != "light" {
				name = "stackgate-report-screenshot-" + m.name + ".png"
			}
			keep(t, shot, name)
		})
	}

	// The console check must be able to fail: a page with a script error is caught.
	t.Run("console errors are caught", func(t *testing.T) {
		t.Parallel()
		bad := filepath.Join(t.TempDir(), "bad.html")
		html := "<!DOCTYPE html><title>x</title><p>x</p><script>console.error('stackgate-marker'); notDefined();</script>"
		if err := os.WriteFile(bad, []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(consoleMessages(screenshot(t, browser, bad, filepath.Join(filepath.Dir(bad), "bad.png"))), "\n")
		if !strings.Contains(lines, "stackgate-marker") || !strings.Contains(lines, "Uncaught") {
			t.Errorf("a console error and an uncaught exception went unnoticed; console lines:\n%s", lines)
		}
	})
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return img
}

// checkScreenshot: the window's size, the mode's background, a page with text and charts
// (many colours), and the charts drawn in the mode's colours (the baseline's, which
// nothing but the charts uses).
func checkScreenshot(t *testing.T, img image.Image, background, baseline color.RGBA) {
	t.Helper()
	if b := img.Bounds(); b.Dx() != shotWidth || b.Dy() != shotHeight {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), shotWidth, shotHeight)
	}
	if got := rgba(img.At(2, 2)); !near(got, background) {
		t.Errorf("background %v, want %v", got, background)
	}
	colours, baselinePixels := map[color.RGBA]bool{}, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgba(img.At(x, y))
			colours[c] = true
			if near(c, baseline) {
				baselinePixels++
			}
		}
	}
	if len(colours) < 64 {
		t.Errorf("a screenshot of %d colours is not the report", len(colours))
	}
	if baselinePixels < 40 {
		t.Errorf("%d pixels in the baseline's colour %v: the charts are missing or not styled", baselinePixels, baseline)
	}
}

func rgba(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return max(x, y)-min(x, y) < 8 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// keep copies a file of the test to a stable path in the temporary directory, so a person
// can look at it after the test.
func keep(t *testing.T, from, name string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(os.TempDir(), name)
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", to)
}
