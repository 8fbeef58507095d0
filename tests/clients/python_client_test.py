#!/usr/bin/python3
"""The Python client's helper layer against a live controller whose address
is in NASPRUNE_CONTROLLER (tests/integration/python_client_test.cc starts
one with a synthetic worker). Run with PYTHONPATH=build/clients/python."""

import os
import unittest

from nasprune_client import Client, ClientError, messages, spec_from_dict

job_pb2 = messages.job

SPEC = {
    "name": "py-helpers",
    "dataset": {"name": "fashion-mnist"},
    "strategy": {"nsga2": {"population_size": 4}},
    "objectives": [{"metric": "accuracy"}, {"metric": "params"}],
    "budget": {"max_trials": 5},
    "recipe": {"epochs": 1},
    "export": {"top_k": 0},
}


class SpecTest(unittest.TestCase):
    def test_short_enum_names_as_in_yaml(self):
        spec = spec_from_dict({**SPEC, "mode": "architecture_only"})
        self.assertEqual(spec.mode, job_pb2.SEARCH_MODE_ARCHITECTURE_ONLY)
        self.assertEqual(spec.objectives[1].metric, job_pb2.METRIC_PARAMS)
        self.assertTrue(spec.strategy.HasField("nsga2"))

    def test_errors_name_the_field(self):
        with self.assertRaisesRegex(ValueError, r"recipe\.epochz: unknown"):
            spec_from_dict({**SPEC, "recipe": {"epochz": 1}})
        with self.assertRaisesRegex(ValueError,
                                    r'objectives\[0\]\.metric: "acuracy" is '
                                    r"not one of"):
            spec_from_dict({**SPEC, "objectives": [{"metric": "acuracy"}]})


class AddressTest(unittest.TestCase):
    def test_default_port_and_ipv6_brackets(self):
        self.assertEqual(Client("localhost").address, "localhost:50051")
        self.assertEqual(Client("::1").address, "[::1]:50051")
        self.assertEqual(Client("[::1]").address, "[::1]:50051")
        self.assertEqual(Client("[::1]:7000").address, "[::1]:7000")
        self.assertEqual(Client("127.0.0.2:7000").address, "127.0.0.2:7000")


class LiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = Client(os.environ["NASPRUNE_CONTROLLER"])

    def test_submit_follow_and_read(self):
        job = self.client.submit(SPEC)
        self.assertTrue(job.job_id.startswith("py-helpers-"))
        sequences, finished = [], []

        def seen(event):
            sequences.append(event.sequence)
            if event.HasField("trial_finished"):
                finished.append(event.trial_finished.trial_id)

        final = self.client.wait(job, on_event=seen)
        self.assertEqual(final.state, job_pb2.JOB_STATE_SUCCEEDED)
        numbered = [s for s in sequences if s]
        self.assertEqual(numbered, sorted(set(numbered)))  # None twice.
        self.assertEqual(sorted(finished),
                         sorted(f"{job.job_id}/{i}" for i in range(5)))
        trials = self.client.trials(job.job_id)
        self.assertEqual([t.index for t in trials], list(range(5)))
        self.assertTrue(all(t.result.synthetic for t in trials))
        self.assertIn(job.job_id, [j.job_id for j in self.client.list_jobs()])
        self.assertGreater(len(self.client.pareto_front(job.job_id).points), 0)
        workers = self.client.workers()
        self.assertEqual(len(workers), 1)
        self.assertEqual(workers[0].slots, 2)
        self.assertEqual(self.client.health(), "SERVING")

    def test_the_same_request_id_is_the_same_job(self):
        first = self.client.submit({**SPEC, "name": "py-again"},
                                   request_id="py-test-1")
        second = self.client.submit({**SPEC, "name": "py-again"},
                                    request_id="py-test-1")
        self.assertEqual(first.job_id, second.job_id)
        self.client.cancel(first.job_id, reason="test over")

    def test_errors_carry_the_code(self):
        with self.assertRaises(ClientError) as caught:
            self.client.get_job("nosuch-000000000000")
        self.assertEqual(caught.exception.code.name, "NOT_FOUND")
        with self.assertRaises(ClientError) as caught:
            self.client.submit({**SPEC, "budget": {"max_trials": -3}})
        self.assertEqual(caught.exception.code.name, "INVALID_ARGUMENT")
        self.assertIn("budget.max_trials", caught.exception.details)
        with self.assertRaises(ClientError) as caught:
            Client("127.0.0.1:1", timeout=5).get_job("x")
        self.assertEqual(caught.exception.code.name, "UNAVAILABLE")


if __name__ == "__main__":
    unittest.main(verbosity=2)
