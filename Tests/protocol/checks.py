"""Counting checks for the Python test scripts, which end with the plain line 'NAME: N passed, N failed'."""


class Checks:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
        else:
            self.failed += 1
            print("%s check failed: %s" % (self.name, what))

    def summary(self):
        return "%s: %d passed, %d failed" % (self.name, self.passed, self.failed)
