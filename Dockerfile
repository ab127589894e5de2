# syntax=docker/dockerfile:1.7
#
# gail-bridge on ROS 2 Jazzy. Targets (README.md, "Docker and installing with ROS 2"):
#
#   cpu    (default)  gail-bridge + rclnodejs + gail_bridge_msgs; TensorFlow.js on the wasm backend
#   gpu               cpu + CUDA 11.2 / cuDNN 8.1 libraries + @tensorflow/tfjs-node-gpu (backend `tensorflow`)
#   test              the build tree with dev dependencies: `npm run test:ros2` (the Bus contract over
#                     rclnodejs and the end-to-end scenarios with real processes and ros2 launch)
#
#   docker build -t gail-bridge:cpu .
#   docker build --target gpu -t gail-bridge:gpu .
#   docker build --target test -t gail-bridge:test . && docker run --rm gail-bridge:test
#
# The entrypoint sources ROS 2 and the gail_bridge_msgs overlay, then runs `gail-bridge ARGS`
# (or ros2 / bash / node when the first argument names one of them).

ARG ROS_DISTRO=jazzy
# rclnodejs 2.x requires Node >= 20.20.2.
ARG NODE_VERSION=20.20.2
# tfjs-node-gpu 4.x downloads libtensorflow 2.9.1 (GPU), linked against CUDA 11.2 and cuDNN 8.1.
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04
ARG TFJS_NODE_GPU_VERSION=4.22.0
# rclnodejs is an optional peer of gail-bridge (npm ci never installs it); installed here with ROS 2 sourced,
# by the documented command (src/ros/rclnodejs-bus.ts RCLNODEJS_INSTALL): --save-peer because npm 11
# installs nothing for a plain --no-save of an optional peer, npm_config_yes because its source build
# runs npx.
ARG RCLNODEJS_VERSION=2.2.0

# ---------------------------------------------------------------------------------------------------
# base: ROS 2 + Node.js (official tarball, pinned) + what the interface package and rclnodejs build need
FROM ros:${ROS_DISTRO}-ros-base AS base
ARG ROS_DISTRO
ARG NODE_VERSION
ARG TARGETARCH
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential ca-certificates curl xz-utils python3-colcon-common-extensions \
      ros-${ROS_DISTRO}-teleop-twist-keyboard ros-${ROS_DISTRO}-teleop-twist-joy ros-${ROS_DISTRO}-joy \
 && rm -rf /var/lib/apt/lists/*
RUN case "${TARGETARCH:-amd64}" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) echo "unsupported arch ${TARGETARCH}" >&2; exit 1 ;; esac \
 && cd /tmp \
 && curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-${arch}.tar.xz" \
 && curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/SHASUMS256.txt" \
 && grep " node-v${NODE_VERSION}-linux-${arch}.tar.xz\$" SHASUMS256.txt | sha256sum -c - \
 && tar -xJf "node-v${NODE_VERSION}-linux-${arch}.tar.xz" -C /usr/local --strip-components=1 --no-same-owner \
 && rm "node-v${NODE_VERSION}-linux-${arch}.tar.xz" SHASUMS256.txt \
 && node --version
ENV ROS_DISTRO=${ROS_DISTRO}

# ---------------------------------------------------------------------------------------------------
# msgs: the gail_bridge_msgs interface package, built with colcon into an overlay
FROM base AS msgs
COPY msgs/gail_bridge_msgs /opt/gail_bridge_ws/src/gail_bridge_msgs
RUN source /opt/ros/${ROS_DISTRO}/setup.bash \
 && cd /opt/gail_bridge_ws \
 && colcon build --packages-select gail_bridge_msgs --cmake-args -DBUILD_TESTING=OFF \
 && rm -rf build log

# ---------------------------------------------------------------------------------------------------
# build: npm ci (all dependencies) and the compiled CLI. rclnodejs is added per target below, with ROS 2
# and the overlay sourced, so it binds to this ROS 2 and its postinstall generates JS for every sourced
# interface package, gail_bridge_msgs included. npm removes packages installed with --no-save on the next
# install, so each target installs its extra packages in one command.
FROM base AS build
COPY --from=msgs /opt/gail_bridge_ws/install /opt/gail_bridge_ws/install
WORKDIR /opt/gail-bridge
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY config ./config
COPY launch ./launch
COPY msgs ./msgs
RUN npm run build

FROM build AS build-test
ARG RCLNODEJS_VERSION
RUN source /opt/ros/${ROS_DISTRO}/setup.bash \
 && source /opt/gail_bridge_ws/install/setup.bash \
 && npm_config_yes=true npm install --no-save --save-peer "rclnodejs@${RCLNODEJS_VERSION}" \
 && node -e "require('rclnodejs')" \
 && test -d node_modules/rclnodejs/generated/gail_bridge_msgs

FROM build AS build-cpu
ARG RCLNODEJS_VERSION
RUN npm prune --omit=dev \
 && source /opt/ros/${ROS_DISTRO}/setup.bash \
 && source /opt/gail_bridge_ws/install/setup.bash \
 && npm_config_yes=true npm install --no-save --save-peer --omit=dev "rclnodejs@${RCLNODEJS_VERSION}" \
 && node -e "require('rclnodejs')" \
 && test -d node_modules/rclnodejs/generated/gail_bridge_msgs

FROM build AS build-gpu
ARG RCLNODEJS_VERSION
ARG TFJS_NODE_GPU_VERSION
RUN npm prune --omit=dev \
 && source /opt/ros/${ROS_DISTRO}/setup.bash \
 && source /opt/gail_bridge_ws/install/setup.bash \
 && npm_config_yes=true npm install --no-save --save-peer --omit=dev "rclnodejs@${RCLNODEJS_VERSION}" "@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}" \
 && node -e "require('rclnodejs')" \
 && test -d node_modules/rclnodejs/generated/gail_bridge_msgs \
 && find node_modules/@tensorflow/tfjs-node-gpu/lib -name tfjs_binding.node | grep -q .

# ---------------------------------------------------------------------------------------------------
# entrypoint: shared by the runtime targets
FROM base AS runtime
COPY --from=msgs /opt/gail_bridge_ws/install /opt/gail_bridge_ws/install
COPY --chmod=755 <<'EOF' /usr/local/bin/gail-bridge-entrypoint
#!/bin/bash
# Sources ROS 2 and the gail_bridge_msgs overlay, then runs gail-bridge (or a named tool).
set -e
source "/opt/ros/${ROS_DISTRO}/setup.bash"
source /opt/gail_bridge_ws/install/setup.bash
case "${1:-}" in
  ros2|bash|sh|node|npm|npx|colcon) exec "$@" ;;
  *) exec gail-bridge "$@" ;;
esac
EOF
ENV GAIL_BRIDGE_HOME=/opt/gail-bridge
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/gail-bridge-entrypoint"]
CMD ["--help"]

# ---------------------------------------------------------------------------------------------------
# test: the build tree (dev dependencies, tests, the Hopper expert) — `npm run test:ros2` on real ROS 2:
# the Bus contract over rclnodejs, sim + deploy in real processes, signals, record, and ros2 launch
FROM runtime AS test
COPY --from=build-test /opt/gail-bridge /opt/gail-bridge
COPY test /opt/gail-bridge/test
COPY scripts /opt/gail-bridge/scripts
COPY experts /opt/gail-bridge/experts
RUN ln -s /opt/gail-bridge/bin/gail-bridge.js /usr/local/bin/gail-bridge
WORKDIR /opt/gail-bridge
CMD ["npm", "run", "test:ros2"]

# ---------------------------------------------------------------------------------------------------
# gpu: the cpu image plus the CUDA 11.2 / cuDNN 8.1 runtime libraries (taken from NVIDIA's CUDA base
# image: no CUDA 11.2 image exists for Ubuntu 24.04, which Jazzy needs) and @tensorflow/tfjs-node-gpu.
# Run with `docker run --gpus all` (NVIDIA Container Toolkit on the host).
FROM ${CUDA_IMAGE} AS cuda

FROM runtime AS gpu
COPY --from=cuda /usr/local/cuda/lib64 /usr/local/cuda/lib64
COPY --from=cuda /usr/lib/x86_64-linux-gnu/libcudnn* /usr/local/cuda/lib64/
ENV LD_LIBRARY_PATH=/usr/local/cuda/lib64 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
COPY --from=build-gpu /opt/gail-bridge /opt/gail-bridge
RUN ln -s /opt/gail-bridge/bin/gail-bridge.js /usr/local/bin/gail-bridge

# ---------------------------------------------------------------------------------------------------
# cpu: last, so a plain `docker build .` produces it
FROM runtime AS cpu
COPY --from=build-cpu /opt/gail-bridge /opt/gail-bridge
RUN ln -s /opt/gail-bridge/bin/gail-bridge.js /usr/local/bin/gail-bridge
