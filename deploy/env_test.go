package deploy

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"switchboard/internal/config"
)

// TestDeployEnvironment checks the environment each way of deploying
// gives Switchboard: every variable is one the README documents (a
// misspelt name would be ignored without a word), and Switchboard's own
// configuration accepts the values, as it would at start.
func TestDeployEnvironment(t *testing.T) {
	documented := readmeVariables(t)
	image := dockerfileEnv(t)

	var compose struct {
		Services map[string]struct {
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	readYAML(t, "../docker-compose.yml", &compose)

	kube := map[string]string{}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	readYAML(t, "kubernetes/configmap.yaml", &cm)
	var secret struct {
		StringData map[string]string `json:"stringData"`
	}
	readYAML(t, "kubernetes/secret.example.yaml", &secret)
	var dep struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct{ Name, Value string } `json:"env"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	readYAML(t, "kubernetes/deployment.yaml", &dep)
	for k, v := range image {
		kube[k] = v
	}
	for k, v := range cm.Data {
		kube[k] = v
	}
	for k, v := range secret.StringData {
		kube[k] = v
	}
	for _, c := range dep.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			kube[e.Name] = e.Value
		}
	}

	composeEnv := map[string]string{}
	for k, v := range image {
		composeEnv[k] = v
	}
	for k, v := range compose.Services["switchboard"].Environment {
		composeEnv[k] = v
	}

	for name, env := range map[string]map[string]string{
		"docker compose (with the image's ENV)":             composeEnv,
		"Kubernetes (image, ConfigMap, Secret, Deployment)": kube,
		"systemd unit": systemdEnv(t),
	} {
		if len(env) < 2 {
			t.Errorf("%s: found only %v", name, env)
		}
		for k := range env {
			if !documented[k] {
				t.Errorf("%s sets %s, which the README's configuration table does not list", name, k)
			}
		}
		// The data dir is where Load may write a generated key: a
		// temporary one stands in for the path the deployment gives.
		dir := t.TempDir()
		getenv := func(k string) string {
			if k == "SWITCHBOARD_DATA_DIR" {
				return dir
			}
			return env[k]
		}
		if _, err := config.Load(getenv); err != nil {
			t.Errorf("%s: Switchboard would refuse to start: %v", name, err)
		}
	}
}

// readmeVariables lists the variables named in the first column of the
// README's configuration table.
func readmeVariables(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line[1:], "|", 2)[0]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			out[m[1]] = true
		}
	}
	if !out["DATABASE_URL"] || !out["SWITCHBOARD_DATA_DIR"] {
		t.Fatalf("README configuration table not found (got %v)", out)
	}
	return out
}

// dockerfileEnv is the image's ENV instructions, continuation lines joined.
func dockerfileEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.ReplaceAll(string(b), "\\\n", " ")
	out := map[string]string{}
	for _, line := range strings.Split(joined, "\n") {
		if rest, ok := strings.CutPrefix(line, "ENV "); ok {
			for _, f := range strings.Fields(rest) {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					t.Fatalf("Dockerfile ENV %q: use the KEY=value form", f)
				}
				out[k] = v
			}
		}
	}
	return out
}

// systemdEnv is the unit's Environment= settings.
func systemdEnv(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("systemd/switchboard.service")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	s := bufio.NewScanner(strings.NewReader(string(b)))
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "Environment="); ok {
			k, v, _ := strings.Cut(strings.Trim(rest, `"`), "=")
			out[k] = v
		}
	}
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
