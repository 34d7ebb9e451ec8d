# The fuzz smoke tests in the main suite's CTest: each target of the fuzz build (FIRMA_FUZZ_BUILD_DIR, built by
# clang beforehand: `make fuzz-build`, which `make test` runs first) replays its saved regressions and then fuzzes
# for 30 seconds; any crash fails the test. One CPU each, so ctest -j runs them beside the other tests.
set(FIRMA_FUZZ_BUILD_DIR "" CACHE PATH "A fuzz build directory (-DFIRMA_FUZZ=ON, clang) whose targets the suite smoke-tests")
set(FIRMA_FUZZ_SMOKE_SECONDS 30 CACHE STRING "Seconds each fuzz target runs in the suite")
if(FIRMA_FUZZ_BUILD_DIR)
  include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)
  foreach(target IN LISTS FIRMA_FUZZ_TARGETS)
    add_test(NAME fuzz.${target}
      COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh ${FIRMA_FUZZ_BUILD_DIR} ${FIRMA_FUZZ_SMOKE_SECONDS} ${target})
    set_tests_properties(fuzz.${target} PROPERTIES LABELS fuzz TIMEOUT 300
      ENVIRONMENT "FUZZ_WORK=${CMAKE_BINARY_DIR}/fuzz-smoke")
  endforeach()
endif()
