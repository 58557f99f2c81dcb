// Command azwi-webhook-oracle runs upstream's real pod mutator (Azure Workload Identity v1.6.0,
// pkg/webhook) on many cases in one process, for the differential test of `wi-transform inject`.
//
// Standard input: one JSON object a line,
//
//	{"pod": {...}, "serviceAccount": {...} | null, "settings": {...}}   mutate, as the webhook would
//	{"normalize": {...}}                                                 round-trip a pod through corev1.Pod
//
// Standard output: one JSON object a line, in the same order:
//
//	{"pod": {...}, "selected": true|false}   the pod after the webhook's JSON patch (unchanged when the
//	                                         webhook's objectSelector, the pod label use="true", misses)
//	{"error": "..."}                         the webhook denied the pod (or the case was malformed)
//
// Settings are the webhook's configuration: its environment (AZURE_TENANT_ID, AZURE_ENVIRONMENT,
// PROXY_IMAGE, PROXY_INIT_IMAGE, AZURE_KUBERNETES_*), its flags (--audience, --log-level,
// --custom-token-endpoint-*) and the cluster's version (native sidecars from 1.32). A mutator is
// made once per distinct settings and reused.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"monis.app/mlog"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/Azure/azure-workload-identity/pkg/webhook"
)

// settings is the webhook's configuration for one case.
type settings struct {
	Env                                 map[string]string `json:"env"`
	Audience                            string            `json:"audience"`
	LogLevel                            string            `json:"logLevel"`
	NativeSidecar                       bool              `json:"nativeSidecar"`
	CustomTokenEndpointAnnotationSuffix string            `json:"customTokenEndpointAnnotationSuffix"`
	CustomTokenEndpointAudience         string            `json:"customTokenEndpointAudience"`
}

type request struct {
	Pod            json.RawMessage        `json:"pod"`
	ServiceAccount *corev1.ServiceAccount `json:"serviceAccount"`
	Settings       settings               `json:"settings"`
	Normalize      json.RawMessage        `json:"normalize"`
}

type reply struct {
	Pod      json.RawMessage `json:"pod,omitempty"`
	Selected *bool           `json:"selected,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// swappable lets one mutator read a different fake cluster for each case.
type swappable struct{ client.Client }

type mutator struct {
	handler admission.Handler
	cluster *swappable
}

// The variables upstream's release build sets with -ldflags (Makefile: REGISTRY, IMAGE_VERSION).
func init() {
	webhook.ProxyImageRegistry = "mcr.microsoft.com/oss/azure/workload-identity"
	webhook.ProxyImageVersion = "v1.6.0"
}

// configEnv lists every variable upstream's config.ParseConfig reads.
var configEnv = []string{
	"AZURE_ENVIRONMENT", "AZURE_TENANT_ID", "PROXY_IMAGE", "PROXY_INIT_IMAGE",
	"AZURE_KUBERNETES_TOKEN_PROXY", "AZURE_KUBERNETES_SNI_NAME", "AZURE_KUBERNETES_CA_DATA",
	"AZURE_KUBERNETES_CA_CONFIGMAP_NAME", "AZURE_KUBERNETES_CA_CTB_SIGNER_NAME",
	"AZURE_KUBERNETES_CA_CTB_LABEL_SELECTOR",
}

// apiServer answers discovery's /version as a cluster of the given minor version.
func apiServer(minor int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"major":"1","minor":"%d","gitVersion":"v1.%d.0"}`, minor, minor)
	}))
}

type oracle struct {
	native, legacy *httptest.Server
	mutators       map[string]*mutator
}

func (o *oracle) mutatorFor(s settings) (*mutator, error) {
	key, _ := json.Marshal(s)
	if m, ok := o.mutators[string(key)]; ok {
		return m, o.setLogLevel(s.LogLevel)
	}
	for _, name := range configEnv {
		if value, ok := s.Env[name]; ok {
			os.Setenv(name, value)
		} else {
			os.Unsetenv(name)
		}
	}
	server := o.legacy
	if s.NativeSidecar {
		server = o.native
	}
	cluster := &swappable{}
	reader := fake.NewClientBuilder().Build() // nothing outside the cache: a missing ServiceAccount is an error
	handler, err := webhook.NewPodMutator(cluster, reader, s.Audience, runtime.NewScheme(),
		&rest.Config{Host: server.URL}, s.CustomTokenEndpointAnnotationSuffix, s.CustomTokenEndpointAudience)
	if err != nil {
		return nil, err
	}
	m := &mutator{handler: handler, cluster: cluster}
	o.mutators[string(key)] = m
	return m, o.setLogLevel(s.LogLevel)
}

// setLogLevel is the webhook's --log-level: the proxy sidecar runs at the webhook's level.
func (o *oracle) setLogLevel(level string) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return mlog.ValidateAndSetLogLevelAndFormatGlobally(ctx, mlog.LogSpec{
		Level: mlog.LogLevel(level), Format: mlog.FormatJSON,
	})
}

// selected is the webhook's objectSelector (deploy/azure-wi-webhook.yaml).
func selected(pod *corev1.Pod) bool {
	return pod.Labels["azure.workload.identity/use"] == "true"
}

func (o *oracle) mutate(req request) reply {
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Pod, pod); err != nil {
		return reply{Error: "pod: " + err.Error()}
	}
	raw, err := json.Marshal(pod) // as the API server would send it
	if err != nil {
		return reply{Error: err.Error()}
	}
	chosen := selected(pod)
	if !chosen {
		return reply{Pod: raw, Selected: &chosen}
	}
	m, err := o.mutatorFor(req.Settings)
	if err != nil {
		return reply{Error: "settings: " + err.Error()}
	}
	builder := fake.NewClientBuilder()
	if req.ServiceAccount != nil {
		builder = builder.WithObjects(req.ServiceAccount)
	}
	m.cluster.Client = builder.Build()
	resp := m.handler.Handle(context.Background(), admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Object:    runtime.RawExtension{Raw: raw},
		Namespace: pod.Namespace,
		Operation: admissionv1.Create,
	}})
	if !resp.Allowed {
		return reply{Error: resp.Result.Message}
	}
	patched, err := apply(raw, resp)
	if err != nil {
		return reply{Error: err.Error()}
	}
	return reply{Pod: patched, Selected: &chosen}
}

func apply(raw []byte, resp admission.Response) ([]byte, error) {
	if len(resp.Patches) == 0 {
		return raw, nil
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		return nil, err
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		return nil, err
	}
	return patch.Apply(raw)
}

func normalize(raw json.RawMessage) reply {
	pod := &corev1.Pod{}
	if err := json.Unmarshal(raw, pod); err != nil {
		return reply{Error: "normalize: " + err.Error()}
	}
	out, err := json.Marshal(pod)
	if err != nil {
		return reply{Error: err.Error()}
	}
	return reply{Pod: out}
}

func main() {
	o := &oracle{native: apiServer(32), legacy: apiServer(31), mutators: map[string]*mutator{}}
	defer o.native.Close()
	defer o.legacy.Close()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	encoder := json.NewEncoder(out)
	for in.Scan() {
		var req request
		var rep reply
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			rep = reply{Error: "request: " + err.Error()}
		} else if req.Normalize != nil {
			rep = normalize(req.Normalize)
		} else {
			rep = o.mutate(req)
		}
		if err := encoder.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
