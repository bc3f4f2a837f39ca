# The project's real-mode programs (scalelab-api, scalelab-worker) as an image, for the docker-compose.yml that
# `scalelab real export FILE --compose DIR` writes (docs/real-mode.md). Build context: the project's checkout.
FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake pkg-config \
      libsimgrid-dev libyaml-cpp-dev nlohmann-json3-dev libboost-graph-dev libboost-dev \
      libpq-dev libhiredis-dev librabbitmq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DSCALELAB_BUILD_TESTS=OFF -DSCALELAB_BUILD_BENCH=OFF \
      -DSCALELAB_BUILD_GUI=OFF \
 && cmake --build /build -j"$(nproc)" --target scalelab-api scalelab-worker

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 libhiredis0.14 librabbitmq4 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/apps/scalelab-api /build/apps/scalelab-worker /usr/local/bin/
EXPOSE 8080
