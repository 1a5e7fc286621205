// Fixture for lint.parity_catches_missing_test: X-02 cites a test this file does not define.
TEST(FixtureTest, Exists) {}
