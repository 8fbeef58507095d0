"""nasprune_client: the Python client of the nasprune controller.

    from nasprune_client import Client
    client = Client("127.0.0.1:50051")
    job = client.submit("examples/quick-search.yaml")
    for event in client.events(job.job_id):
        ...
    client.download_model(job.job_id + "/0", "model.pt")

The generated messages are in nasprune_client.messages (job_pb2 and
controller_pb2 of proto/nasprune/v1). docs/python-client.md describes it all.
"""

from nasprune_client.client import (  # noqa: F401
    Client,
    ClientError,
    ChecksumError,
    messages,
    spec_from_dict,
    spec_from_yaml,
)
