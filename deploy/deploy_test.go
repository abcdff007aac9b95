// Package deploy holds the container, Kubernetes and systemd files operators
// deploy Switchboard with; its test checks them without a cluster or a
// Docker daemon.
package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/yaml"
)

// schemas are standalone strict JSON schemas for Kubernetes 1.27, made by
// ./schemagen from the OpenAPI document in the k8s.io/kube-openapi module:
// the test runs offline.
const schemas = "testdata/schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"

// TestKubernetesManifests validates every manifest with kubeconform in
// strict mode (unknown fields are errors) and checks what the issue asks
// of them: replicas behind a Service, DATABASE_URL from a Secret, probes on
// /readyz and /healthz, a PodDisruptionBudget, SMTP on its own Service.
func TestKubernetesManifests(t *testing.T) {
	v, err := validator.New([]string{schemas}, validator.Opts{KubernetesVersion: "1.27.0", Strict: true,
		SkipKinds: map[string]struct{}{"Kustomization": {}}})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d manifests", len(files))
	}
	kinds := map[string][]map[string]any{}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range v.Validate(f, r) {
			switch res.Status {
			case validator.Valid, validator.Skipped:
			default:
				t.Errorf("%s: %v %v", f, res.Err, res.ValidationErrors)
			}
			var obj map[string]any
			if err := yaml.Unmarshal(res.Resource.Bytes, &obj); err == nil && obj != nil {
				kinds[obj["kind"].(string)] = append(kinds[obj["kind"].(string)], obj)
			}
		}
	}
	dep := one(t, kinds, "Deployment")
	if n, _ := dig(dep, "spec", "replicas").(float64); n < 2 {
		t.Errorf("Deployment runs %v replicas, want several", n)
	}
	c := dig(dep, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	if p := dig(c, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("readiness probe on %v", p)
	}
	if p := dig(c, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("liveness probe on %v", p)
	}
	fromSecret := false
	for _, e := range c["envFrom"].([]any) {
		fromSecret = fromSecret || dig(e.(map[string]any), "secretRef", "name") != nil
	}
	if !fromSecret {
		t.Error("DATABASE_URL does not come from a Secret")
	}
	if dig(c, "securityContext", "readOnlyRootFilesystem") != true || dig(dep, "spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("the container is not read-only and non-root")
	}
	secret := one(t, kinds, "Secret")
	if dig(secret, "stringData", "DATABASE_URL") == nil {
		t.Error("the example Secret has no DATABASE_URL")
	}
	one(t, kinds, "PodDisruptionBudget")
	ports := map[float64]bool{}
	for _, s := range kinds["Service"] {
		for _, p := range dig(s, "spec", "ports").([]any) {
			ports[p.(map[string]any)["port"].(float64)] = len(dig(s, "spec", "ports").([]any)) == 1
		}
	}
	if !ports[25] || !ports[80] {
		t.Errorf("want SMTP (25) and HTTP (80) each on a Service of its own; ports %v", ports)
	}
}

// TestKubeconformRejects makes sure the validation can fail: a misspelt
// field and a wrong type are caught by the vendored schemas.
func TestKubeconformRejects(t *testing.T) {
	v, err := validator.New([]string{schemas}, validator.Opts{KubernetesVersion: "1.27.0", Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: x}\nspec: {maxUnavailable: 1, selectr: {}}\n",
		"wrong type":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: many, selector: {}, template: {}}\n",
	} {
		res := v.ValidateResource(resource.Resource{Path: name, Bytes: []byte(doc)})
		if res.Status != validator.Invalid {
			t.Errorf("%s: status %v, want invalid", name, res.Status)
		}
	}
}

// TestDockerfile checks the Dockerfile by reading: multi-stage, static
// build, distroless, non-root. Building it takes minutes, so CI leaves that
// to image-check.sh (buildah, run by hand); hadolint is not available.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := string(b)
	for what, re := range map[string]string{
		"a build stage":            `(?m)^FROM golang:\S+ AS build$`,
		"a static binary":          `CGO_ENABLED=0`,
		"a distroless final stage": `(?m)^FROM gcr\.io/distroless/static\S*$`,
		"a non-root user":          `(?m)^USER 65532:65532$`,
		"an exec-form entrypoint":  `(?m)^ENTRYPOINT \["`,
	} {
		if !regexp.MustCompile(re).MatchString(d) {
			t.Errorf("Dockerfile lacks %s (%s)", what, re)
		}
	}
	if strings.Contains(d, ":latest") {
		t.Error("Dockerfile uses a :latest base image")
	}
}

// TestCompose: docker compose builds and runs the image, not `go run`.
func TestCompose(t *testing.T) {
	b, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]map[string]any `json:"services"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	sb := c.Services["switchboard"]
	if dig(sb, "build", "dockerfile") != "deploy/Dockerfile" {
		t.Errorf("compose does not build deploy/Dockerfile: %v", sb["build"])
	}
	if strings.Contains(string(b), "go run") || strings.Contains(string(b), "golang:") {
		t.Error("compose still runs Switchboard from source")
	}
}

func one(t *testing.T, kinds map[string][]map[string]any, kind string) map[string]any {
	t.Helper()
	if len(kinds[kind]) != 1 {
		t.Fatalf("want one %s, found %d", kind, len(kinds[kind]))
	}
	return kinds[kind][0]
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}
