# Sourced by test.sh and test-hardening.sh: which ctest entries run where.
#
# The plain build (build/) runs the entries that start the snapkeep binary or
# moto_server: the moto client tests, end-to-end, Lambda bundle and
# deployment tests, fault and month tests, the schema and file map checks
# and the benchmark smoke tests. Every other entry (unit and
# property tests, fuzz replays) runs once, in the ASan+UBSan build
# (build-asan/), which CI configures instead of building them twice.
# shellcheck disable=SC2034
integration_tests='^(moto_client_tests|e2e_|lambda_|deploy_|fault_|bench_|schema_examples$|docs_file_map$)'
