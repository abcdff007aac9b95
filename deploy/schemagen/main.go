// Command schemagen turns a Kubernetes OpenAPI v2 document (swagger.json)
// into the standalone, strict JSON schemas kubeconform reads, for the few
// kinds deploy/kubernetes uses. The Go test in deploy validates the manifests
// against them offline; no schema is downloaded at test time.
//
//	go run ./deploy/schemagen SWAGGER.json deploy/testdata/schemas
//
// The swagger.json used is the Kubernetes v1.27.0 document that ships in the
// k8s.io/kube-openapi module (a dependency of kubeconform):
// pkg/schemaconv/testdata/swagger.json.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// kinds are the definitions to emit.
var kinds = []string{
	"io.k8s.api.apps.v1.Deployment",
	"io.k8s.api.core.v1.Service",
	"io.k8s.api.core.v1.Secret",
	"io.k8s.api.core.v1.ConfigMap",
	"io.k8s.api.policy.v1.PodDisruptionBudget",
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: schemagen SWAGGER.json OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(in, outDir string) error {
	b, err := os.ReadFile(in) //nolint:gosec // a developer's tool
	if err != nil {
		return err
	}
	var doc struct {
		Info        struct{ Version string }  `json:"info"`
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	dir := filepath.Join(outDir, doc.Info.Version+"-standalone-strict")
	if err := os.MkdirAll(dir, 0o750); err != nil { //nolint:gosec // G703: the developer names the output directory
		return err
	}
	for _, name := range kinds {
		def, ok := doc.Definitions[name]
		if !ok {
			return fmt.Errorf("%s: no such definition", name)
		}
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) == 0 {
			return fmt.Errorf("%s: no group-version-kind", name)
		}
		gvk := gvks[0].(map[string]any)
		group, version, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
		s := expand(def, doc.Definitions, 0)
		props := s["properties"].(map[string]any)
		apiVersion := version
		file := strings.ToLower(kind) + "-" + version
		if group != "" {
			apiVersion = group + "/" + version
			file = strings.ToLower(kind) + "-" + strings.Split(group, ".")[0] + "-" + version
		}
		props["apiVersion"] = map[string]any{"type": "string", "enum": []string{apiVersion}}
		props["kind"] = map[string]any{"type": "string", "enum": []string{kind}}
		s["$schema"] = "http://json-schema.org/schema#"
		out, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, file+".json"), append(out, '\n'), 0o644); err != nil { //nolint:gosec // a schema, not a secret
			return err
		}
	}
	return nil
}

// expand inlines every $ref, drops descriptions, makes objects strict
// (additionalProperties: false) and turns int-or-string into a oneOf, as
// kubeconform's own standalone-strict schemas do.
func expand(def map[string]any, defs map[string]map[string]any, depth int) map[string]any {
	if depth > 40 {
		return map[string]any{}
	}
	if ref, ok := def["$ref"].(string); ok {
		if strings.HasSuffix(ref, ".api.resource.Quantity") {
			// "500m", "1Gi" or a plain number, as Kubernetes accepts.
			return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
		}
		return expand(defs[strings.TrimPrefix(ref, "#/definitions/")], defs, depth+1)
	}
	out := map[string]any{}
	for k, v := range def {
		switch {
		case k == "description" || strings.HasPrefix(k, "x-kubernetes-"):
		case k == "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = expand(p.(map[string]any), defs, depth+1)
			}
			out[k] = props
		case k == "items" || k == "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = expand(m, defs, depth+1)
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	if out["format"] == "int-or-string" {
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	}
	if _, ok := out["properties"]; ok {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	return out
}
