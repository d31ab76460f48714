#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""test_io_epoll.py - the black-box suites again, with the server on its epoll engine.

What: sets ARENAKV_IO=epoll in the environment every server started here inherits, checks
the server really runs on epoll (INFO server multiplexing_api), then runs the test classes
of test_strings, test_keys, test_expire, test_protocol, test_server, test_clients and
test_memory unchanged.

Why: io_uring is the default engine, epoll the fallback where container runtimes refuse
io_uring. Without this file the fallback would only be exercised on machines where it is
forced, i.e. never in our CI.

Invariants: the environment is set before any server starts; test_kernel_lookup is not
repeated (it does not depend on the I/O engine, and it may skip the whole file).
Under ARENAKV_TARGET=redis the variable is ignored by redis-server (which uses epoll).
"""

import os
import sys
import unittest

os.environ["ARENAKV_IO"] = "epoll"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_clients  # noqa: E402
import test_expire  # noqa: E402
import test_keys  # noqa: E402
import test_memory  # noqa: E402
import test_protocol  # noqa: E402
import test_server  # noqa: E402
import test_strings  # noqa: E402


class EpollEngine(harness.ServerTestCase):

	def test_engine_is_epoll(self):
		api = harness.info_field(self.raw, "multiplexing_api", "server")
		self.assertEqual(api, "epoll", "ARENAKV_IO=epoll but the server runs on %r; log:\n%s"
				 % (api, self.server.log_tail(10)))


if __name__ == "__main__":
	loader = unittest.defaultTestLoader
	suite = unittest.TestSuite([loader.loadTestsFromTestCase(EpollEngine)])
	for mod in (test_strings, test_keys, test_expire, test_protocol, test_server,
		    test_clients, test_memory):
		suite.addTests(loader.loadTestsFromModule(mod))
	harness.main(suite=suite)
