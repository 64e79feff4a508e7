package ghaction

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The tests of action.yml: every input reaches the binary under the name go-githubactions
// reads, every output is set by the binary, and the composite step's script works when
// run the way a runner runs it.

var actionYAML = filepath.Join("..", "..", "action.yml")

// yamlNode is a node of the small YAML subset action.yml is written in: mappings (in
// order), sequences of mappings, plain or quoted scalars, and literal block scalars (|).
type yamlNode struct {
	value string
	keys  []string
	child map[string]*yamlNode
	items []*yamlNode
}

func (n *yamlNode) get(path ...string) *yamlNode {
	for _, k := range path {
		if n == nil || n.child == nil {
			return nil
		}
		n = n.child[k]
	}
	return n
}

type yamlLine struct {
	indent int
	text   string
	no     int
}

// parseYAML reads action.yml's subset, refusing anything else (tabs, flow collections,
// anchors), so a construct this reader does not know cannot slip through misread.
func parseYAML(t *testing.T, path string) *yamlNode {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []yamlLine
	sc := bufio.NewScanner(f)
	for no := 1; sc.Scan(); no++ {
		raw := sc.Text()
		if strings.Contains(raw, "\t") {
			t.Fatalf("%s:%d: a tab", path, no)
		}
		text := strings.TrimLeft(raw, " ")
		lines = append(lines, yamlLine{indent: len(raw) - len(text), text: text, no: no})
	}
	p := &yamlParser{t: t, lines: lines}
	root := p.mapping(0)
	if p.skipBlank(); p.pos < len(p.lines) {
		t.Fatalf("action.yml:%d: unexpected indentation", p.lines[p.pos].no)
	}
	return root
}

type yamlParser struct {
	t     *testing.T
	lines []yamlLine
	pos   int
}

func (p *yamlParser) skipBlank() {
	for p.pos < len(p.lines) && (p.lines[p.pos].text == "" || strings.HasPrefix(p.lines[p.pos].text, "#")) {
		p.pos++
	}
}

// mapping reads the keys at exactly indent.
func (p *yamlParser) mapping(indent int) *yamlNode {
	n := &yamlNode{child: map[string]*yamlNode{}}
	for p.skipBlank(); p.pos < len(p.lines) && p.lines[p.pos].indent == indent && !strings.HasPrefix(p.lines[p.pos].text, "- "); p.skipBlank() {
		p.entry(n, p.lines[p.pos].text, indent)
	}
	return n
}

// entry reads "key: value" (text, at indent) into n, with what is nested below it.
func (p *yamlParser) entry(n *yamlNode, text string, indent int) {
	l := p.lines[p.pos]
	key, value, ok := strings.Cut(text, ":")
	if !ok || strings.ContainsAny(key, "{}[]&*\"'") {
		p.t.Fatalf("action.yml:%d: not a key: %q", l.no, text)
	}
	if _, dup := n.child[key]; dup {
		p.t.Fatalf("action.yml:%d: %s twice", l.no, key)
	}
	value = strings.TrimSpace(value)
	p.pos++
	var child *yamlNode
	switch {
	case value == "|":
		child = &yamlNode{value: p.block(indent)}
	case value != "":
		child = &yamlNode{value: scalar(p.t, l.no, value)}
	default:
		p.skipBlank()
		switch {
		case p.pos < len(p.lines) && p.lines[p.pos].indent > indent && strings.HasPrefix(p.lines[p.pos].text, "- "):
			child = p.sequence(p.lines[p.pos].indent)
		case p.pos < len(p.lines) && p.lines[p.pos].indent > indent:
			child = p.mapping(p.lines[p.pos].indent)
		default:
			child = &yamlNode{}
		}
	}
	n.keys = append(n.keys, key)
	n.child[key] = child
}

// sequence reads "- key: value" items at indent, each a mapping.
func (p *yamlParser) sequence(indent int) *yamlNode {
	n := &yamlNode{}
	for p.skipBlank(); p.pos < len(p.lines) && p.lines[p.pos].indent == indent && strings.HasPrefix(p.lines[p.pos].text, "- "); p.skipBlank() {
		item := &yamlNode{child: map[string]*yamlNode{}}
		inner := indent + 2
		p.entry(item, strings.TrimPrefix(p.lines[p.pos].text, "- "), inner)
		for p.skipBlank(); p.pos < len(p.lines) && p.lines[p.pos].indent == inner; p.skipBlank() {
			p.entry(item, p.lines[p.pos].text, inner)
		}
		n.items = append(n.items, item)
	}
	return n
}

// block reads a literal block scalar: the lines indented deeper than its key.
func (p *yamlParser) block(keyIndent int) string {
	var out []string
	indent := -1
	for ; p.pos < len(p.lines); p.pos++ {
		l := p.lines[p.pos]
		if l.text != "" && l.indent <= keyIndent {
			break
		}
		if indent < 0 && l.text != "" {
			indent = l.indent
		}
		if l.text == "" {
			out = append(out, "")
			continue
		}
		out = append(out, strings.Repeat(" ", l.indent-indent)+l.text)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

func scalar(t *testing.T, no int, v string) string {
	switch {
	case strings.HasPrefix(v, `"`):
		if !strings.HasSuffix(v, `"`) || len(v) < 2 || strings.Contains(v[1:len(v)-1], `\`) {
			t.Fatalf("action.yml:%d: unsupported quoted string %s", no, v)
		}
		return v[1 : len(v)-1]
	case strings.HasPrefix(v, "'"):
		if !strings.HasSuffix(v, "'") || len(v) < 2 {
			t.Fatalf("action.yml:%d: unsupported quoted string %s", no, v)
		}
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	case strings.ContainsAny(v[:1], "{[&*!|>%@`"), strings.Contains(v, " #"), strings.Contains(v, ": "):
		t.Fatalf("action.yml:%d: unsupported plain scalar %s (quote it)", no, v)
	}
	return v
}

// The manifest the Marketplace needs, the inputs the binary reads, the outputs it sets.
func TestActionYAMLDeclarations(t *testing.T) {
	a := parseYAML(t, actionYAML)
	for _, k := range []string{"name", "description", "author"} {
		if a.get(k) == nil || a.get(k).value == "" {
			t.Errorf("action.yml has no %s", k)
		}
	}
	if d := a.get("description"); d != nil && len(d.value) > 125 {
		t.Errorf("the description is longer than the Marketplace shows (125 characters)")
	}
	if color := a.get("branding", "color"); a.get("branding", "icon") == nil || color == nil ||
		!slices.Contains([]string{"white", "yellow", "blue", "green", "orange", "red", "purple", "gray-dark"}, color.value) {
		t.Errorf("branding needs an icon and one of GitHub's colours")
	}
	if a.get("runs", "using").value != "composite" {
		t.Errorf("runs.using = %q, want composite", a.get("runs", "using").value)
	}
	if got := a.get("inputs").keys; !sameSet(got, inputNames) {
		t.Errorf("inputs in action.yml %v, the binary reads %v", got, inputNames)
	}
	defaults := map[string]string{
		"config": "stackgate.toml", "mode": DefaultMode, "github-token": "${{ github.token }}", "comment": "true",
		"fail-on": DefaultFailOn, "allow-forks": "false", "accept-label": DefaultAcceptLabel, "out-dir": DefaultOutDir, "quick": "false",
	}
	for name, want := range defaults {
		if got := a.get("inputs", name, "default"); got == nil || got.value != want {
			t.Errorf("input %s: default %v, want %q", name, got, want)
		}
	}
	if got := a.get("outputs").keys; !sameSet(got, outputNames) {
		t.Errorf("outputs in action.yml %v, the binary sets %v", got, outputNames)
	}
	step := theStep(t, a)
	for _, name := range outputNames {
		want := "${{ steps." + step.get("id").value + ".outputs." + name + " }}"
		if got := a.get("outputs", name, "value"); got == nil || got.value != want {
			t.Errorf("output %s: value %v, want %q", name, got, want)
		}
	}
	env := step.get("env")
	for _, name := range inputNames {
		key := "INPUT_" + strings.ToUpper(name)
		if got := env.get(key); got == nil || got.value != "${{ inputs."+name+" }}" {
			t.Errorf("input %s is not passed as %s: %v", name, key, got)
		}
	}
	if strings.Contains(step.get("run").value, "${{") {
		t.Errorf("the script interpolates expressions (script injection): pass them through env")
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

// theStep is the composite action's one step.
func theStep(t *testing.T, a *yamlNode) *yamlNode {
	t.Helper()
	steps := a.get("runs", "steps")
	if steps == nil || len(steps.items) != 1 || steps.items[0].get("shell") == nil || steps.items[0].get("shell").value != "bash" {
		t.Fatalf("want one bash step in runs.steps")
	}
	return steps.items[0]
}

var expression = regexp.MustCompile(`\$\{\{\s*([a-z_.-]+)\s*\}\}`)

// stepEnv is the step's environment as the runner makes it: the expressions evaluated
// with the given inputs and action path.
func stepEnv(t *testing.T, step *yamlNode, inputs map[string]string, actionPath string) []string {
	var env []string
	for _, k := range step.get("env").keys {
		v := expression.ReplaceAllStringFunc(step.get("env", k).value, func(e string) string {
			name := expression.FindStringSubmatch(e)[1]
			switch {
			case strings.HasPrefix(name, "inputs."):
				return inputs[strings.TrimPrefix(name, "inputs.")]
			case name == "github.action_path":
				return actionPath
			case name == "github.action_ref":
				return "v0-test"
			}
			t.Fatalf("unknown expression %s", e)
			return ""
		})
		env = append(env, k+"="+v)
	}
	return env
}

// runStep runs the step's script as a runner does (bash --noprofile --norc -eo pipefail)
// in a fake runner: RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, the event.
func runStep(t *testing.T, script string, env []string, path string) (string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Env = append(baseEnviron(path), env...)
	cmd.Dir = t.TempDir() // the workspace
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// baseEnviron is this process's environment without anything of GitHub's, with PATH set.
func baseEnviron(path string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "INPUT_") && !strings.HasPrefix(kv, "RUNNER_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH="+path)
}

// fakeGo is a `go` that "builds" a binary that records its environment. The binary is a
// bash script: bash, like a Go program, keeps variables whose names are not shell
// identifiers (INPUT_GITHUB-TOKEN); dash, as /bin/sh, would drop them.
const fakeGo = `#!/bin/sh
while [ $# -gt 0 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  shift
done
mkdir -p "$(dirname "$out")"
printf '#!/bin/bash\nenv > "$RUNNER_TEMP/binary-env"\necho "args: $*" > "$RUNNER_TEMP/binary-args"\n' > "$out"
chmod +x "$out"
`

// Every input reaches the binary, hyphenated names included, with its value.
func TestActionYAMLPassesEveryInput(t *testing.T) {
	step := theStep(t, parseYAML(t, actionYAML))
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{}
	for _, name := range inputNames {
		inputs[name] = "value of " + name
	}
	runner := t.TempDir()
	env := append(stepEnv(t, step, inputs, t.TempDir()), "RUNNER_TEMP="+runner)
	if out, err := runStep(t, step.get("run").value, env, bin+":/usr/bin:/bin"); err != nil {
		t.Fatalf("the step failed: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(runner, "binary-env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range inputNames {
		want := "INPUT_" + strings.ToUpper(name) + "=value of " + name
		if !strings.Contains(string(got), want+"\n") {
			t.Errorf("the binary did not get %s", want)
		}
	}
	if args, _ := os.ReadFile(filepath.Join(runner, "binary-args")); string(args) != "args: action\n" {
		t.Errorf("the binary ran with %q", args)
	}
}

// Without Go on the runner the step fails with a message saying what to do.
func TestActionYAMLWithoutGo(t *testing.T) {
	step := theStep(t, parseYAML(t, actionYAML))
	env := append(stepEnv(t, step, map[string]string{}, t.TempDir()), "RUNNER_TEMP="+t.TempDir())
	out, err := runStep(t, step.get("run").value, env, t.TempDir())
	if err == nil || !strings.Contains(out, "::error title=stackgate::Go is not installed") {
		t.Errorf("without go: %v\n%s", err, out)
	}
}

// The real build of the real binary, in a fake runner, on an event with nothing to do:
// the step succeeds and sets every output the action declares.
func TestActionYAMLRealBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds stackgate")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	a := parseYAML(t, actionYAML)
	step := theStep(t, a)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	runner := t.TempDir()
	event := writePayload(t, "push.tag-deleted.json", nil)
	inputs := map[string]string{"config": "stackgate.toml", "mode": "record", "github-token": "ghs_secret", "comment": "true",
		"fail-on": "regression", "allow-forks": "false", "accept-label": DefaultAcceptLabel, "out-dir": "stackgate-out", "quick": "false"}
	env := append(stepEnv(t, step, inputs, root),
		"RUNNER_TEMP="+runner, "GITHUB_EVENT_NAME=push", "GITHUB_EVENT_PATH="+event,
		"GITHUB_OUTPUT="+filepath.Join(runner, "output"), "GITHUB_STEP_SUMMARY="+filepath.Join(runner, "summary"),
		"GITHUB_REPOSITORY=Codertocat/Hello-World")
	out, err := runStep(t, step.get("run").value, env, filepath.Dir(goBin)+":/usr/bin:/bin")
	if err != nil {
		t.Fatalf("the step failed: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(runner, "output"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range a.get("outputs").keys {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `<<`).Match(data) {
			t.Errorf("output %s is not set:\n%s", name, data)
		}
	}
	if !strings.Contains(string(data), "verdict<<_GitHubActionsFileCommandDelimeter_\nskipped\n") {
		t.Errorf("verdict output:\n%s", data)
	}
	if !strings.Contains(out, "refs/tags/simple-tag was deleted") || strings.Contains(out, "ghs_secret") {
		t.Errorf("step output:\n%s", out)
	}
	// The Go binary itself gets the hyphenated names: it refuses this one's value.
	inputs["allow-forks"] = "maybe"
	env = append(stepEnv(t, step, inputs, root), env[len(step.get("env").keys):]...)
	out, err = runStep(t, step.get("run").value, env, filepath.Dir(goBin)+":/usr/bin:/bin")
	if code := exitCodeOf(err); code != 2 || !strings.Contains(out, `input allow-forks "maybe"`) {
		t.Errorf("allow-forks: maybe: exit %d\n%s", code, out)
	}
}

func exitCodeOf(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// The README documents every input, and its example workflows use only inputs that exist.
func TestREADMEActionInputs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	_, section, _ := strings.Cut(readme, "\n## GitHub Action\n")
	section, _, _ = strings.Cut(section, "\n## ")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|").FindAllStringSubmatch(section, -1) {
		documented = append(documented, m[1])
	}
	if !sameSet(documented, inputNames) {
		t.Errorf("the README's inputs table lists %v, the binary reads %v", documented, inputNames)
	}
	lines := strings.Split(section, "\n")
	uses := 0
	for i, l := range lines {
		if strings.TrimSpace(l) != "- uses: stackgate/stackgate@v1" && strings.TrimSpace(l) != "uses: stackgate/stackgate@v1" {
			continue
		}
		uses++
		step := len(l) - len(strings.TrimLeft(l, " -"))
		withIndent := -1
		for _, next := range lines[i+1:] {
			indent := len(next) - len(strings.TrimLeft(next, " "))
			if strings.TrimSpace(next) == "" || indent < step || strings.HasPrefix(strings.TrimSpace(next), "- ") && indent <= step {
				break
			}
			key, _, _ := strings.Cut(strings.TrimSpace(next), ":")
			switch {
			case indent == step && key == "with":
				withIndent = -2 // the next deeper lines are inputs
			case withIndent == -2 || indent == withIndent:
				withIndent = indent
				if !slices.Contains(inputNames, key) {
					t.Errorf("a README workflow uses the input %q, which does not exist", key)
				}
			case indent == step:
				withIndent = -1
			}
		}
	}
	if uses < 4 {
		t.Errorf("the README shows %d workflows using the action, want the four examples", uses)
	}
}
