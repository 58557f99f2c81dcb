# syntax=docker/dockerfile:1.7
# Two images from one file, interchangeable with upstream's:
#   docker build --target proxy      -t wi-transform/proxy .       # the sidecar, /proxy
#   docker build --target proxy-init -t wi-transform/proxy-init .  # the iptables init container
# Bases are pinned by digest: bump a tag and its digest together.
ARG PYTHON_BASE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b
ARG DEBIAN_BASE=debian:bookworm-slim@sha256:88200866dfff7ea7f5cbcb6ec7c8a701889efe6fe859fe64d6990e4b07ea4171

FROM ${PYTHON_BASE} AS wheel
ENV WHEELS=/wheels
WORKDIR /src
COPY pyproject.toml README.md ./
COPY transformer/ transformer/
COPY sidecar/ sidecar/
COPY schemas/ schemas/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --no-deps --wheel-dir "$WHEELS" .

FROM ${PYTHON_BASE} AS venv
ENV WHEELS=/wheels VENV=/opt/wi-proxy
COPY --from=wheel /wheels /wheels
# The wheel without its dependencies, then exactly its `sidecar` extra: the transformer's
# dependencies (schemas for every Kubernetes version among them) stay out of the image.
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv "$VENV" \
    && "$VENV/bin/pip" install --no-deps "$WHEELS"/wi_transform-*.whl \
    && "$VENV/bin/python" -c 'import importlib.metadata as m, re; print("\n".join(r.split(";")[0] for r in m.requires("wi-transform") if re.search(r"extra *== *.sidecar.", r)))' > "$VENV/sidecar-requirements.txt" \
    && "$VENV/bin/pip" install -r "$VENV/sidecar-requirements.txt" \
    && "$VENV/bin/python" -m compileall -q "$VENV/lib"

FROM ${PYTHON_BASE} AS proxy
COPY --from=venv /opt/wi-proxy /opt/wi-proxy
# The injected postStart hook runs `/proxy --proxy-port=PORT --probe`.
RUN ln -s /opt/wi-proxy/bin/wi-proxy /proxy
# Nothing is written at run time, so a read-only root filesystem works.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Numeric, for runAsNonRoot; the init container's rules let this UID's traffic through.
USER 1501:1501
ENTRYPOINT ["/proxy"]

FROM ${DEBIAN_BASE} AS proxy-init
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables \
    && rm -rf /var/lib/apt/lists/*
COPY --chmod=0755 sidecar/init-iptables.sh /init-iptables.sh
# The injected container runs as root with NET_ADMIN and sets PROXY_PORT.
ENTRYPOINT ["/init-iptables.sh"]
