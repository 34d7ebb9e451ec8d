# The fuzz targets (tests/fuzz/fuzz_<name>.cpp), shared by the fuzz build and the main build's smoke tests.
set(FIRMA_FUZZ_TARGETS http_request request_body pdf xml ocsp_request)
