// Compiles the fake PD into this test binary (only *_test.cc files are globbed).
#include "tests/pd/fake_pd.cc"  // NOLINT(bugprone-suspicious-include)
