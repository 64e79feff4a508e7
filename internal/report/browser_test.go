package report

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/draw"
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

const browserTimeout = 120 * time.Second

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

// minWindow is the narrowest window headless Chromium opens; narrower views are taken of
// the page in a frame of their width.
const minWindow = 500

// framed writes, next to page, a page that shows page in a frame width × height px, and
// passes on what page's script posts to it (see measureScript). It is how a page is seen
// in a window narrower than Chromium's narrowest.
func framed(t *testing.T, page string, width, height int) string {
	t.Helper()
	frame := filepath.Join(filepath.Dir(page), "frame-"+strconv.Itoa(width)+"-"+filepath.Base(page))
	html := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>frame</title>` +
		`<style>html, body { margin: 0; } iframe { border: 0; display: block; }</style></head><body>` +
		`<iframe src="` + filepath.Base(page) + `" width="` + strconv.Itoa(width) + `" height="` + strconv.Itoa(height) + `"></iframe>` +
		`<script>addEventListener("message", e => { const p = document.createElement("pre"); p.id = "stackgate-layout"; ` +
		`p.textContent = e.data; document.body.appendChild(p); });</script></body></html>`
	if err := os.WriteFile(frame, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return frame
}

// screenshot shows page in a window width px wide in headless Chromium, saves a
// screenshot to shot and returns what Chromium logged.
func screenshot(t *testing.T, browser, page, shot string, width, height int, extra ...string) string {
	t.Helper()
	window := width
	if width < minWindow {
		page, window = framed(t, page, width, height), minWindow
	}
	_, log := chromium(t, browser, page, append([]string{
		"--screenshot=" + shot, "--window-size=" + strconv.Itoa(window) + "," + strconv.Itoa(height),
		"--hide-scrollbars"}, extra...)...)
	if window != width {
		cropPNG(t, shot, width)
	}
	return log
}

// cropPNG keeps the left width px of a PNG.
func cropPNG(t *testing.T, path string, width int) {
	t.Helper()
	img := readPNG(t, path)
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, width, b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chromium runs headless Chromium on page (a file) with args and returns what it printed
// (the DOM, with --dump-dom) and what it logged. The browser runs in its own process group,
// which is killed afterwards so that no helper process outlives the test; it gets a fresh
// profile and no network features.
func chromium(t *testing.T, browser, page string, args ...string) (stdout, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--allow-file-access-from-files",
	}, args...)
	cmd := exec.CommandContext(ctx, browser, append(args, "file://"+page)...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
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
	return out.String(), stderr.String()
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

// Widths the report is looked at: a desktop and a phone.
const (
	desktopWidth = 1400
	phoneWidth   = 390
	shotHeight   = 2400
)

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

	// Each view: its window width, Chromium flags, the page's background and a colour its
	// top must show: the baseline's in the charts, or on a phone the FAIL badge's.
	views := []struct {
		name       string
		width      int
		flags      []string
		background color.RGBA
		baseline   color.RGBA
	}{
		{"light", desktopWidth, nil, color.RGBA{0xff, 0xff, 0xff, 0xff}, color.RGBA{0x00, 0x72, 0xb2, 0xff}},
		{"dark", desktopWidth, []string{"--force-dark-mode"}, color.RGBA{0x16, 0x18, 0x1c, 0xff}, color.RGBA{0x56, 0xb4, 0xe9, 0xff}},
		{"phone", phoneWidth, nil, color.RGBA{0xff, 0xff, 0xff, 0xff}, color.RGBA{0xc6, 0x28, 0x28, 0xff}},
	}
	for _, view := range views {
		t.Run(view.name, func(t *testing.T) {
			t.Parallel()
			shot := filepath.Join(dir, "report-"+view.name+".png")
			log := screenshot(t, browser, page, shot, view.width, shotHeight, view.flags...)
			if lines := consoleMessages(log); len(lines) > 0 {
				t.Errorf("the browser console is not silent:\n%s", strings.Join(lines, "\n"))
			}
			img := readPNG(t, shot)
			checkScreenshot(t, img, view.width, view.background, view.baseline)
			name := "stackgate-report-screenshot.png"
			if view.name != "light" {
				name = "stackgate-report-screenshot-" + view.name + ".png"
			}
			keep(t, shot, name)
		})
	}
	// At both widths, with every <details> open: nothing makes the page scroll sideways,
	// no table overflows its box at desktop width, and on a phone every change and verdict
	// is in view.
	for _, width := range []int{desktopWidth, phoneWidth} {
		t.Run("layout at "+strconv.Itoa(width)+" px", func(t *testing.T) {
			t.Parallel()
			m := measureLayout(t, browser, page, width)
			if m.Viewport != width {
				t.Fatalf("the window is %d px wide, want %d", m.Viewport, width)
			}
			if m.Page > m.Viewport {
				t.Errorf("the page is %d px wide in a %d px window: it scrolls sideways; wider than the window: %v", m.Page, m.Viewport, m.Wide)
			}
			if width == desktopWidth && len(m.Overflowing) > 0 {
				t.Errorf("tables wider than their box at %d px: %v", width, m.Overflowing)
			}
			if m.Cells == 0 {
				t.Error("no change or verdict cell found")
			}
			if len(m.Hidden) > 0 {
				t.Errorf("change or verdict cells out of view at %d px: %v", width, m.Hidden)
			}
		})
	}

	// The checks must be able to fail: a page with a script error, and a page wider than
	// its window, are caught.
	t.Run("console errors are caught", func(t *testing.T) {
		t.Parallel()
		bad := filepath.Join(t.TempDir(), "bad.html")
		html := "<!DOCTYPE html><title>x</title><p>x</p><script>console.error('stackgate-marker'); notDefined();</script>"
		if err := os.WriteFile(bad, []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(consoleMessages(screenshot(t, browser, bad, filepath.Join(filepath.Dir(bad), "bad.png"), 400, 300)), "\n")
		if !strings.Contains(lines, "stackgate-marker") || !strings.Contains(lines, "Uncaught") {
			t.Errorf("a console error and an uncaught exception went unnoticed; console lines:\n%s", lines)
		}
	})
	t.Run("overflow is caught", func(t *testing.T) {
		t.Parallel()
		wide := filepath.Join(t.TempDir(), "wide.html")
		html := `<!DOCTYPE html><meta name="viewport" content="width=device-width"><title>x</title>` +
			`<div class="scroll" style="width:300px;overflow:hidden"><table><tr><td class="change"><div style="width:900px">x</div></td></tr></table></div>` +
			`<p style="width:800px">x</p>`
		if err := os.WriteFile(wide, []byte(html), 0o644); err != nil {
			t.Fatal(err)
		}
		m := measureLayout(t, browser, wide, phoneWidth)
		if m.Page <= m.Viewport || len(m.Overflowing) == 0 || len(m.Hidden) == 0 {
			t.Errorf("a page wider than its window went unnoticed: %+v", m)
		}
	})
}

// layout is what measureScript finds on a page.
type layout struct {
	Viewport, Page int      // the window's width and the page's
	Wide           []string // elements reaching past the window
	Overflowing    []string // tables wider than their box
	Cells          int      // change and verdict cells
	Hidden         []string // those not entirely in view
}

// measureScript opens every <details>, measures the page and posts what it found to the
// page framing it (framed), where --dump-dom shows it.
const measureScript = `<script>
for (const d of document.querySelectorAll("details")) d.open = true;
const name = e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "");
const m = {Viewport: window.innerWidth, Page: document.documentElement.scrollWidth, Wide: [], Overflowing: [], Cells: 0, Hidden: []};
for (const e of document.body.querySelectorAll("*")) {
  if (e.getBoundingClientRect().right > window.innerWidth + 0.5 && m.Wide.length < 10) m.Wide.push(name(e));
}
for (const s of document.querySelectorAll(".scroll")) {
  if (s.scrollWidth > s.clientWidth + 1) m.Overflowing.push(name(s.firstElementChild || s) + " " + s.scrollWidth + ">" + s.clientWidth);
}
for (const c of document.querySelectorAll("td.change, td.verdict")) {
  m.Cells++;
  const r = c.getBoundingClientRect(), box = c.closest(".scroll") || document.body;
  if (r.left < 0 || r.right > Math.min(window.innerWidth, box.getBoundingClientRect().right) + 0.5) m.Hidden.push(name(c) + ": " + c.textContent);
}
parent.postMessage(JSON.stringify(m), "*");
</script>`

// measureLayout loads a copy of page with measureScript in a frame width px wide.
func measureLayout(t *testing.T, browser, page string, width int) layout {
	t.Helper()
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	measured := filepath.Join(t.TempDir(), "measured.html")
	html := strings.Replace(string(src), "</body>", measureScript+"</body>", 1)
	if !strings.Contains(html, measureScript) {
		html += measureScript
	}
	if err := os.WriteFile(measured, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, log := chromium(t, browser, framed(t, measured, width, shotHeight), "--dump-dom", "--virtual-time-budget=10000",
		"--window-size="+strconv.Itoa(max(width, minWindow))+","+strconv.Itoa(shotHeight))
	var m layout
	if err := json.Unmarshal([]byte(domText(t, dom, "stackgate-layout", log)), &m); err != nil {
		t.Fatalf("reading the measurement: %v", err)
	}
	return m
}

// domText is the text of the element with id in a DOM dumped by Chromium.
func domText(t *testing.T, dom, id, log string) string {
	t.Helper()
	start := strings.Index(dom, `id="`+id+`">`)
	if start < 0 {
		t.Fatalf("the page wrote no #%s; browser log:\n%s", id, log)
	}
	rest := dom[start+len(`id="`+id+`">`):]
	end := strings.Index(rest, "</")
	if end < 0 {
		t.Fatalf("#%s is not closed", id)
	}
	return html.UnescapeString(rest[:end])
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
// (many colours), and one colour that must be there (the baseline's, which nothing but
// the charts uses; or the FAIL badge's).
func checkScreenshot(t *testing.T, img image.Image, width int, background, baseline color.RGBA) {
	t.Helper()
	if b := img.Bounds(); b.Dx() != width || b.Dy() != shotHeight {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, shotHeight)
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
		t.Errorf("%d pixels in the colour %v: the charts or the badge are missing or not styled", baselinePixels, baseline)
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
