"""Evidence in S3-compatible object storage, for several bot processes or machines.

boto3 is synchronous; each call runs in a worker thread (asyncio.to_thread) so the event
loop keeps serving updates while a file travels. Objects are named `evidence/<sha256>`;
S3 writes are atomic per object, so a reader sees the whole file or none of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from storage.evidence_store.base import (
    StoredObject,
    StoreHealth,
    StoreUnavailable,
    check_key,
    is_key,
    sha256_hex,
)

_PREFIX = "evidence/"
_PROBE = b"greenlist evidence store probe"


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    region: str | None = None


class S3EvidenceStore:
    #: Objects per page of a listing (S3 returns at most 1,000).
    page = 1000

    def __init__(self, config: S3Config) -> None:
        self.config = config

    @property
    def where(self) -> str:
        endpoint = self.config.endpoint_url or "aws"
        return f"s3://{self.config.bucket} ({endpoint})"

    @cached_property
    def _client(self) -> Any:
        import boto3  # imported here: a local-directory deployment never loads it
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.config.endpoint_url,
            aws_access_key_id=self.config.access_key,
            aws_secret_access_key=self.config.secret_key,
            region_name=self.config.region or "us-east-1",
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=3, read_timeout=30
            ),
        )

    @staticmethod
    def _key(sha256: str) -> str:
        return _PREFIX + check_key(sha256)

    async def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(getattr(self._client, method), **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(kwargs.get("Key")) from exc
            raise StoreUnavailable(f"{self.where}: {exc}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"{self.where}: {exc}") from exc

    async def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        await self._call("put_object", Bucket=self.config.bucket, Key=self._key(digest), Body=data)
        return digest

    async def get(self, sha256: str) -> bytes | None:
        try:
            response = await self._call(
                "get_object", Bucket=self.config.bucket, Key=self._key(sha256)
            )
        except KeyError:
            return None
        body: bytes = await asyncio.to_thread(response["Body"].read)
        return body

    async def exists(self, sha256: str) -> bool:
        try:
            await self._call("head_object", Bucket=self.config.bucket, Key=self._key(sha256))
        except KeyError:
            return False
        return True

    async def delete(self, sha256: str) -> None:
        await self._call("delete_object", Bucket=self.config.bucket, Key=self._key(sha256))

    async def listing(self) -> AsyncIterator[list[StoredObject]]:
        pages: dict[str, Any] = {
            "Bucket": self.config.bucket,
            "Prefix": _PREFIX,
            "MaxKeys": self.page,
        }
        while True:
            response = await self._call("list_objects_v2", **pages)
            found = []
            for item in response.get("Contents", []):
                name = str(item["Key"])[len(_PREFIX) :]
                if is_key(name):
                    found.append(StoredObject(name, item["LastModified"]))
            if found:
                yield found
            if not response.get("IsTruncated"):
                return
            pages["ContinuationToken"] = response["NextContinuationToken"]

    async def delete_unless_written_since(self, sha256: str, since: datetime) -> bool:
        # S3 cannot delete on a condition of the write time: the check and the delete are
        # two calls, and an upload landing between them is the one case left to `verify`.
        try:
            head = await self._call("head_object", Bucket=self.config.bucket, Key=self._key(sha256))
        except KeyError:
            return False
        written: datetime = head["LastModified"]
        if written >= since:
            return False
        await self.delete(sha256)
        return True

    async def health(self) -> StoreHealth:
        """Object storage has no free space to ask for: reachability and a probe write."""
        key = f"{_PREFIX}.probe"
        try:
            await self._call("put_object", Bucket=self.config.bucket, Key=key, Body=_PROBE)
            response = await self._call("get_object", Bucket=self.config.bucket, Key=key)
            back = await asyncio.to_thread(response["Body"].read)
            await self._call("delete_object", Bucket=self.config.bucket, Key=key)
        except (StoreUnavailable, KeyError) as exc:
            return StoreHealth(self.where, False, None, f"not reachable or not writable: {exc}")
        if back != _PROBE:
            return StoreHealth(self.where, False, None, "a probe object read back differently")
        return StoreHealth(self.where, True, None)
