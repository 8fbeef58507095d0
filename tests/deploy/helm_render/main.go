// helm-render renders a Helm chart the way `helm template` does, for the
// chart tests (tests/deploy/helm_chart_test.py): Helm is not packaged for
// Debian 12, but its template engine is Go's text/template with the sprig
// functions, and both are. It implements the part of Helm the chart uses:
// values.yaml merged with -f files (maps merge, a null deletes a key, other
// values replace), the built-ins include, tpl, toYaml, fromYaml, required
// and lookup (always empty), and .Values, .Release, .Chart, .Capabilities,
// .Files.Get and .Template.
//
// --strict renders with missingkey=error, so a template that reads a value
// values.yaml does not define fails, naming the template and the key (as
// `helm lint --strict`). Without it a missing key renders as empty, as
// Helm does.
//
// --values-out writes the merged values as JSON (for the schema check).
//
// Output: every rendered manifest that is not empty, each after
// "---\n# Source: <chart>/templates/<file>", in file name order; NOTES.txt
// is rendered (so it must not fail) but not printed. Exit 1 with the error
// on stderr when anything fails.
//
// Build (offline, from Debian's packages):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o helm-render main.go
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// Files is .Files: the chart's files by path relative to the chart.
type Files struct{ root string }

// Get returns a file's contents, or "" when it cannot be read (as Helm).
func (f Files) Get(name string) string {
	data, err := os.ReadFile(filepath.Join(f.root, name))
	if err != nil {
		return ""
	}
	return string(data)
}

// APIVersions is .Capabilities.APIVersions.
type APIVersions []string

// Has reports whether a group/version (or group/version/kind) is served.
func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

type kubeVersion struct {
	Version, Major, Minor, GitVersion string
}

type capabilities struct {
	KubeVersion kubeVersion
	APIVersions APIVersions
}

// The API versions a plain cluster of --kube-version serves, as Helm's
// defaults list them (what the chart asks about).
var builtinAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1",
	"rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"autoscaling/v2",
}

func readYAML(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if out == nil {
		out = map[string]interface{}{}
	}
	return out, nil
}

// merge merges src into dst as Helm merges values files.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := dst[k].(map[string]interface{})
		if sok && dok {
			merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

// setValue applies one --set a.b.c=value (value parsed as YAML).
func setValue(values map[string]interface{}, assignment string) error {
	eq := strings.IndexByte(assignment, '=')
	if eq <= 0 {
		return fmt.Errorf("--set %q: want key.path=value", assignment)
	}
	var value interface{}
	if err := yaml.Unmarshal([]byte(assignment[eq+1:]), &value); err != nil {
		return fmt.Errorf("--set %q: %v", assignment, err)
	}
	keys := strings.Split(assignment[:eq], ".")
	m := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
	return nil
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func fromYAML(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func required(warning string, v interface{}) (interface{}, error) {
	if v == nil {
		return v, errors.New(warning)
	}
	if s, ok := v.(string); ok && s == "" {
		return v, errors.New(warning)
	}
	return v, nil
}

func chartField(chart map[string]interface{}, key string) string {
	s, _ := chart[key].(string)
	return s
}

func run() error {
	var valueFiles, sets, apiVersions listFlag
	release := flag.String("release", "nasprune", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	kube := flag.String("kube-version", "1.29.0", "Kubernetes version")
	strict := flag.Bool("strict", false, "fail on a value the templates read that is not defined")
	valuesOut := flag.String("values-out", "", "also write the merged values here, as JSON")
	flag.Var(&valueFiles, "f", "values file (repeatable, later ones win)")
	flag.Var(&sets, "set", "key.path=value (repeatable, after the files)")
	flag.Var(&apiVersions, "api-versions", "extra API version the cluster serves (repeatable)")
	flag.Parse()
	if flag.NArg() != 1 {
		return errors.New("usage: helm-render [flags] CHART_DIR")
	}
	root := flag.Arg(0)

	chart, err := readYAML(filepath.Join(root, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAML(filepath.Join(root, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range valueFiles {
		extra, err := readYAML(f)
		if err != nil {
			return err
		}
		merge(values, extra)
	}
	for _, s := range sets {
		if err := setValue(values, s); err != nil {
			return err
		}
	}
	if *valuesOut != "" {
		data, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*valuesOut, data, 0o644); err != nil {
			return err
		}
	}
	parts := strings.SplitN(*kube, ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("--kube-version %q: want MAJOR.MINOR.PATCH", *kube)
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return fmt.Errorf("--kube-version %q: minor is not a number", *kube)
	}
	chartName := chartField(chart, "name")
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": *release, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart": map[string]interface{}{
			"Name": chartName, "Version": chartField(chart, "version"),
			"AppVersion":  chartField(chart, "appVersion"),
			"Description": chartField(chart, "description"),
		},
		"Capabilities": capabilities{
			KubeVersion: kubeVersion{
				Version: "v" + *kube, Major: parts[0], Minor: parts[1],
				GitVersion: "v" + *kube,
			},
			APIVersions: append(APIVersions(builtinAPIVersions), apiVersions...),
		},
		"Files": Files{root: root},
	}

	t := template.New("chart")
	if *strict {
		t.Option("missingkey=error")
	} else {
		t.Option("missingkey=zero")
	}
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env") // Helm removes these: a render must not read the host.
	delete(funcs, "expandenv")
	depth := map[string]int{}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > 100 {
			return "", fmt.Errorf("include %q: recursion too deep", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var b strings.Builder
		err := t.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	funcs["tpl"] = func(text string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		if _, err := c.New("tpl").Parse(text); err != nil {
			return "", fmt.Errorf("tpl: %v", err)
		}
		var b strings.Builder
		err = c.ExecuteTemplate(&b, "tpl", data)
		return b.String(), err
	}
	funcs["toYaml"] = toYAML
	funcs["fromYaml"] = fromYAML
	funcs["required"] = required
	funcs["lookup"] = func(string, string, string, string) map[string]interface{} {
		return map[string]interface{}{}
	}
	t.Funcs(funcs)

	var names []string
	dir := filepath.Join(root, "templates")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := chartName + "/templates/" + e.Name()
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if _, err := t.New(name).Parse(string(data)); err != nil {
			return err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var out strings.Builder
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue
		}
		top["Template"] = map[string]interface{}{
			"Name": name, "BasePath": chartName + "/templates",
		}
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, name, top); err != nil {
			return err
		}
		text := strings.ReplaceAll(b.String(), "<no value>", "")
		if base == "NOTES.txt" || strings.TrimSpace(text) == "" {
			continue
		}
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name,
			strings.TrimSpace(text))
	}
	_, err = os.Stdout.WriteString(out.String())
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helm-render:", err)
		os.Exit(1)
	}
}
