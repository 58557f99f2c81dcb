"""The names Azure Workload Identity defines: labels, annotations, the token layout, the proxy.

Values follow upstream (pkg/webhook/consts.go), with the v1.0-v1.5 token layout the project chose.
"""

PREFIX = "azure.workload.identity/"
USE = PREFIX + "use"
CLIENT_ID = PREFIX + "client-id"
TENANT_ID = PREFIX + "tenant-id"
TOKEN_EXPIRATION = PREFIX + "service-account-token-expiration"
SKIP_CONTAINERS = PREFIX + "skip-containers"
INJECT_PROXY = PREFIX + "inject-proxy-sidecar"
PROXY_PORT = PREFIX + "proxy-sidecar-port"
MARKER = "wi-transform." + PREFIX + "injected"
CUSTOM_ENDPOINT_PREFIX = USE + "-"  # + the webhook's --custom-token-endpoint-annotation-suffix

AUDIENCE = "api://AzureADTokenExchange"
TOKEN_VOLUME = "azure-identity-token"
TOKEN_PATH = "azure-identity-token"
TOKEN_MOUNT_PATH = "/var/run/secrets/azure/tokens"
TOKEN_FILE = f"{TOKEN_MOUNT_PATH}/{TOKEN_PATH}"
CA_PATH = "ca-cert/ca.crt"  # in the token volume, from a CA ConfigMap or ClusterTrustBundle
CA_FILE = f"{TOKEN_MOUNT_PATH}/{CA_PATH}"
CA_KEY = "ca.crt"  # the key the CA ConfigMap must hold
PROXY_INIT = "azwi-proxy-init"
PROXY = "azwi-proxy"
PROXY_UID = 1501  # the one UID the proxy-init iptables rules exempt
DEFAULT_PORT = 8000

# The proxy's --log-level, by the name a user picks: the values upstream's proxy accepts (its
# logger's warning level is the empty string), which ours accepts too.
PROXY_LOG_LEVELS = {"warning": "", "info": "info", "debug": "debug", "trace": "trace", "all": "all"}

# wi-transform's own: an object annotated IGNORE + "<rule-id>": "<reason>" has that rule's
# validate findings turned into notes that show the reason.
IGNORE = "wi-transform." + PREFIX + "ignore-"
