# rim image: Go, the project built, Jupyter with the rim (GoNB) kernel, and an
# XLA PJRT plugin installed at build time; notebooks served on port 8888.
#
#   CPU:  docker build -t rim .
#         docker run --rm -p 8888:8888 rim
#   CUDA: docker build --build-arg VARIANT=cuda -t rim:cuda .
#         docker run --rm --gpus all -p 8888:8888 rim:cuda
#
# Versions are pinned here and checked against go.mod / tools/go.mod / go-xla
# by docker/lint_test.go (run by `go test ./...` and .ci/run).
ARG VARIANT=cpu
ARG GO_VERSION=1.27.3
ARG PJRT_CPU_VERSION=v0.114.0
ARG JAX_CUDA_VERSION=0.7.2

# ---- CPU base: Debian with the XLA PJRT CPU plugin ----
FROM debian:bookworm-slim AS cpu-base
ARG PJRT_CPU_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY docker/install-pjrt-cpu.sh /usr/local/bin/
RUN install-pjrt-cpu.sh "${PJRT_CPU_VERSION}"
ENV GOMLX_BACKEND=xla:cpu

# ---- CUDA base: NVIDIA's CUDA 12 base image (driver from the host) + PJRT CUDA plugin ----
FROM nvidia/cuda:12.8.1-base-ubuntu24.04 AS cuda-base
ARG JAX_CUDA_VERSION
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl python3 python3-pip \
    && rm -rf /var/lib/apt/lists/*
COPY docker/install-pjrt-cuda.sh /usr/local/bin/
RUN PIP_BREAK_SYSTEM_PACKAGES=1 install-pjrt-cuda.sh "${JAX_CUDA_VERSION}"
ENV GOMLX_BACKEND=xla:cuda \
    XLA_FLAGS=--xla_gpu_cuda_data_dir=/usr/local/lib/go-xla/nvidia/cuda_nvcc

# ---- final image, on the chosen base ----
# hadolint ignore=DL3006
FROM ${VARIANT}-base AS rim
ARG GO_VERSION
ENV DEBIAN_FRONTEND=noninteractive \
    GOMLX_NO_AUTO_INSTALL=1 \
    GOEXPERIMENT=simd \
    GOTOOLCHAIN=go1.27.3 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    RIM_ROOT=/opt/rim \
    PATH=/root/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN apt-get update && apt-get install -y --no-install-recommends git build-essential \
        jupyter-nbconvert jupyter-client jupyter-core jupyter-notebook \
        python3-ipykernel python3-nbclient python3-nbformat \
    && rm -rf /var/lib/apt/lists/*
COPY docker/install-go.sh /usr/local/bin/
RUN install-go.sh "${GO_VERSION}"
WORKDIR /opt/rim
# Modules first, so that code changes do not re-download them.
COPY go.mod go.sum ./
COPY tools/go.mod tools/go.sum tools/
RUN go mod download && (cd tools && go mod download)
COPY . .
# Build everything, install the rim CLI, GoNB + goimports + gopls, and the rim kernel
# (kernel/install.sh finds Jupyter already installed and records this GOMLX_BACKEND).
RUN go build ./... && go install ./rim/cmd/rim && RIM_NO_APT=1 kernel/install.sh
COPY docker/entrypoint.sh /usr/local/bin/rim-entrypoint
EXPOSE 8888
ENTRYPOINT ["rim-entrypoint"]
