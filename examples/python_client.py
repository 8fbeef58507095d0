#!/usr/bin/python3
"""Submits a job with the Python client, streams its events and downloads
the best model of its front. After `make build`, with a controller and
workers running (docs/controller.md):

    PYTHONPATH=build/clients/python /usr/bin/python3 examples/python_client.py \
        --spec examples/quick-search.yaml --out /tmp/best.pt

Debian's grpc, protobuf, yaml and torch modules are under /usr/bin/python3;
another python3 first on PATH may lack them.
"""

import argparse
import sys

from nasprune_client import Client, ClientError, messages

job_pb2 = messages.job


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controller", default="127.0.0.1:50051")
    parser.add_argument("--spec", default="examples/quick-search.yaml",
                        help="job spec (YAML or JSON file)")
    parser.add_argument("--out", default="best.pt", help="where the model goes")
    args = parser.parse_args()

    with Client(args.controller) as client:
        try:
            job = client.submit(args.spec)
        except (ClientError, ValueError) as e:
            sys.exit(f"error: {e}")
        print(f"submitted {job.job_id}")

        def show(event):
            if event.HasField("trial_finished"):
                t = event.trial_finished
                state = job_pb2.TrialState.Name(t.state)[len("TRIAL_STATE_"):]
                print(f"trial {t.trial_id:<28} {state:<13} "
                      f"val_acc {t.result.val_accuracy:.4f}  "
                      f"params {t.result.params}")
            elif event.HasField("status") and event.sequence:
                print(f"job {job.job_id}: "
                      + job_pb2.JobState.Name(event.status.state)[10:])

        final = client.wait(job, on_event=show)
        if final.state != job_pb2.JOB_STATE_SUCCEEDED:
            sys.exit(f"error: job {job.job_id} ended "
                     f"{job_pb2.JobState.Name(final.state)}: {final.message}")

        # The most accurate downloadable model (test accuracy when the
        # export measured it).
        models = client.models(job.job_id)
        if not models:
            sys.exit(f"error: job {job.job_id} exported no model")

        def accuracy(result):
            return result.test_accuracy if result.HasField("test_accuracy") \
                else result.val_accuracy

        trial_id, result = max(models, key=lambda m: accuracy(m[1]))
        size, sha = client.download_model(trial_id, args.out)
        print(f"best {trial_id}: accuracy {accuracy(result):.4f}, "
              f"{result.params} params; {args.out}: {size} bytes, "
              f"sha256 {sha}")

if __name__ == "__main__":
    main()
