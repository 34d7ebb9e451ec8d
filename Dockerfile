# Firma: the firmad/firmactl image, built and run on Debian 12 like the development machines.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/deps.sh scripts/deps.sh
RUN apt-get update && bash scripts/deps.sh
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFIRMA_TESTS=OFF -DFIRMA_BENCH=OFF \
 && cmake --build build -j "$(nproc)"

FROM debian:12
RUN apt-get update \
 && apt-get install -y --no-install-recommends libbotan-2-19 libssl3 libpistache0 libcpp-httplib0.11 libsqlite3-0 \
      libpq5 libxml2 libqpdf29 libxmlsec1 libxmlsec1-openssl softhsm2 opensc ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/firma firma
COPY --from=build /src/build/bin/firmad /src/build/bin/firmactl /usr/local/bin/
COPY --from=build /src/docs/openapi.yaml /usr/local/share/firma/openapi.yaml
USER firma
WORKDIR /var/lib/firma
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/firmad"]
CMD ["--config", "/etc/firma/firmad.conf"]
