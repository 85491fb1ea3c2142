"""`python -m localaws.seed put-objects` and `get-objects`: a directory in, the same bytes out."""

from __future__ import annotations

import pathlib
import tempfile
import unittest

from _launcher import Server

BUCKET = "seed-objects"


class SeedObjects(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server()
        cls.server.tool("bucket", "--name", BUCKET)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_every_file_under_the_directory_becomes_an_object_keyed_by_its_relative_path(self) -> None:
        files = {
            "DataCollection-data/heidi.support/2026/03/04/events-1.json": '{"id": "a"}\n{"id": "b"}\n',
            "DataCollection-data/heidi.support/2026/03/05/events-1.json": '{"id": "c"}\n',
            "inventory/accounts.csv": "accountid,name\n111122223333,\u00e9t\u00e9\n",
        }
        with tempfile.TemporaryDirectory() as tmp:
            for relative, body in files.items():
                path = pathlib.Path(tmp, relative)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body, encoding="utf-8")
            pathlib.Path(tmp, "empty-folder").mkdir()
            answer = self.server.tool("put-objects", "--bucket", BUCKET, "--dir", tmp, "--prefix", "p/")

        self.assertEqual(answer, {"bucket": BUCKET, "objects": 3,
                                  "bytes": sum(len(b.encode()) for b in files.values())})
        stored = self.server.tool("get-objects", "--bucket", BUCKET, "--prefix", "p/")
        self.assertEqual(stored, {f"p/{k}": v for k, v in files.items()})

    def test_a_missing_directory_is_refused(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "is not a directory"):
            self.server.tool("put-objects", "--bucket", BUCKET, "--dir", "/nonexistent/cima-bench")
