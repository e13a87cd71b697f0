"""Memory one learner needs on a shared JupyterHub machine, with every mock server running.

    python benchmarks/memory_per_learner.py

On JupyterHub each learner has their own Jupyter server and kernels.  This
starts both, as a learner would: a JupyterLab server, then a kernel that
starts all six mock servers and sends each one request.  It prints each
process's resident memory (RSS) and their sum.  Linux only (reads /proc).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent

ALL_SERVERS = """
import json, grpc, requests, websocket, zeep, xmlrpc.client
from mock_servers import grpc as grpc_style, jsonrpc, rest, soap, websocket_server
from mock_servers import xmlrpc as xmlrpc_style
servers = [m.start() for m in (rest, soap, xmlrpc_style, jsonrpc, grpc_style, websocket_server)]
rest_, soap_, xmlrpc_, jsonrpc_, grpc_, ws_ = servers
requests.get(rest_.url + "/cities/moscow/forecast/2026-06-01").raise_for_status()
zeep.Client(soap_.url + "?wsdl").service.GetForecast(city="moscow", date="2026-06-01")
xmlrpc.client.ServerProxy(xmlrpc_.url).get_forecast("moscow", "2026-06-01")
requests.post(jsonrpc_.url, json={"jsonrpc": "2.0", "id": 1, "method": "get_forecast",
                                  "params": ["moscow", "2026-06-01"]}).raise_for_status()
with grpc.insecure_channel(grpc_.url) as channel:
    stub = grpc_style.weather_pb2_grpc.WeatherStub(channel)
    stub.GetForecast(grpc_style.weather_pb2.GetForecastRequest(city="moscow", date="2026-06-01"))
connection = websocket.create_connection(ws_.url)
connection.send(json.dumps({"type": "forecast", "id": 1, "city": "moscow", "date": "2026-06-01"}))
connection.recv()
connection.close()
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def kernel_rss(code: str) -> float:
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.execute_interactive(code, timeout=60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(reply["content"])
        time.sleep(0.5)
        return rss_mib(manager.provisioner.process.pid)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def lab_server_rss() -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(8)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if requests.get(f"http://127.0.0.1:{port}/lab?token={token}", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        time.sleep(1)
        return rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def main() -> None:
    bare = kernel_rss("pass")
    with_servers = kernel_rss(ALL_SERVERS)
    lab = lab_server_rss()
    print(f"JupyterLab server (one per learner on JupyterHub): {lab:7.1f} MiB")
    print(f"kernel, bare:                                       {bare:7.1f} MiB")
    print(f"kernel with all six mock servers running:           {with_servers:7.1f} MiB")
    print(f"one learner with all servers running (sum):         {lab + with_servers:7.1f} MiB")


if __name__ == "__main__":
    main()
