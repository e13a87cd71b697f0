"""The classes generated from ``weather.proto``: messages and the service stubs.

``weather_pb2`` holds the messages (``GetForecastRequest``, ``Forecast``, ...),
``weather_pb2_grpc`` the client stub ``WeatherStub`` and the server's base
class; both are importable as ``mock_servers.weather_pb2`` and
``mock_servers.weather_pb2_grpc`` too, and ``mock_servers.grpc`` re-exports them.

The classes are generated at import time by grpc_tools' protoc rather than
kept as generated files in the package: generated code only runs with a
protobuf and grpcio at least as new as the generator's, so checked-in files
would break on an older installation, while code generated here always fits
the installed versions.  (``grpc.protos_and_services()`` does the same, but
finds the file through ``sys.path`` and needs every entry of it to be ASCII,
which a Windows home folder with a Cyrillic name is not.)
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import tempfile

PROTO_FILE = pathlib.Path(__file__).resolve().with_name("weather.proto")


def _generate_modules():
    """Compile weather.proto into the modules ``<package>.weather_pb2`` and ``..._pb2_grpc``."""
    package = __package__ or "mock_servers"
    names = (f"{package}.weather_pb2", f"{package}.weather_pb2_grpc")
    if all(name in sys.modules for name in names):
        return tuple(sys.modules[name] for name in names)  # a reload: reuse them

    from grpc_tools import protoc

    package_dir = PROTO_FILE.parent
    # The proto is named by its path from the package's parent folder, so the
    # generated service module imports "from <package> import weather_pb2".
    proto = f"{package_dir.name}/weather.proto"
    with tempfile.TemporaryDirectory() as out:
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"--proto_path={package_dir.parent}",
                f"--python_out={out}",
                f"--grpc_python_out={out}",
                proto,
            ]
        )
        if status != 0:
            raise ImportError(f"protoc could not compile {PROTO_FILE}")
        modules = []
        for name in names:
            path = pathlib.Path(out, package_dir.name, name.rpartition(".")[2] + ".py")
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            setattr(sys.modules[package], name.rpartition(".")[2], module)
            modules.append(module)
    return tuple(modules)


weather_pb2, weather_pb2_grpc = _generate_modules()
