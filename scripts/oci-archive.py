#!/usr/bin/env python3
"""An OCI image archive from a root filesystem tar and Dockerfile-style settings, for containerd.

    python3 scripts/oci-archive.py NAME:TAG ROOTFS.tar CHANGES OUT.tar

ROOTFS.tar becomes the image's single uncompressed layer. CHANGES holds the lines scripts/images.sh
writes beside it (ENTRYPOINT, CMD, ENV, USER, WORKDIR, EXPOSE, STOPSIGNAL, one per line; the JSON
forms only). OUT.tar is an OCI image layout that `ctr images import` reads, the image named
NAME:TAG by the annotation containerd looks for. Nothing is compressed: the archive is imported on
the same machine, where compressing it would only cost time.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def fail(message):
    print(f"oci-archive.py: {message}", file=sys.stderr)
    sys.exit(2)


def image_config(changes_file):
    """The OCI config's `config` object from the change lines; unknown instructions are errors."""
    config = {}
    with open(changes_file, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            instruction, _, value = line.partition(" ")
            where = f"{changes_file}:{number}"
            if instruction in ("ENTRYPOINT", "CMD"):
                try:
                    parsed = json.loads(value)
                except json.JSONDecodeError:
                    fail(f"{where}: {instruction} must be a JSON array, got {value!r}")
                key = "Entrypoint" if instruction == "ENTRYPOINT" else "Cmd"
                # `ENTRYPOINT []` clears the entrypoint, as Docker's builder does.
                config[key] = parsed or None
            elif instruction == "ENV":
                name, equals, setting = value.partition("=")
                if not equals:
                    fail(f"{where}: ENV must be NAME=VALUE, got {value!r}")
                env = [entry for entry in config.get("Env", []) if not entry.startswith(name + "=")]
                config["Env"] = env + [f"{name}={setting}"]
            elif instruction == "USER":
                config["User"] = value
            elif instruction == "WORKDIR":
                config["WorkingDir"] = value
            elif instruction == "EXPOSE":
                port = value if "/" in value else f"{value}/tcp"
                config.setdefault("ExposedPorts", {})[port] = {}
            elif instruction == "STOPSIGNAL":
                config["StopSignal"] = value
            else:
                fail(f"{where}: {instruction} is not one of ENTRYPOINT CMD ENV USER WORKDIR EXPOSE STOPSIGNAL")
    return {key: value for key, value in config.items() if value is not None}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def add_bytes(archive, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def main(argv):
    if len(argv) != 5:
        fail("usage: oci-archive.py NAME:TAG ROOTFS.tar CHANGES OUT.tar")
    name, rootfs, changes, out = argv[1:]
    if ":" not in name.rsplit("/", 1)[-1]:
        fail(f"{name!r} has no tag: name the image NAME:TAG")
    layer = sha256_of(rootfs)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": image_config(changes),
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer}"]},
        },
        sort_keys=True,
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{hashlib.sha256(config).hexdigest()}",
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": f"sha256:{layer}",
                    "size": os.path.getsize(rootfs),
                }
            ],
        },
        sort_keys=True,
    ).encode()
    manifest_digest = hashlib.sha256(manifest).hexdigest()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": f"sha256:{manifest_digest}",
                    "size": len(manifest),
                    "annotations": {"io.containerd.image.name": name},
                }
            ],
        },
        sort_keys=True,
    ).encode()
    partial = out + ".part"
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
        add_bytes(archive, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add_bytes(archive, "index.json", index)
        add_bytes(archive, f"blobs/sha256/{hashlib.sha256(config).hexdigest()}", config)
        add_bytes(archive, f"blobs/sha256/{manifest_digest}", manifest)
        archive.add(rootfs, arcname=f"blobs/sha256/{layer}", recursive=False)
    os.replace(partial, out)


if __name__ == "__main__":
    main(sys.argv)
