"""A local OpenAI-compatible chat-completions server for tests: records every request, answers with a
scripted JSON content, and can hold answers back (a slow or hung model)."""

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from tanggap_runner.nats import free_port

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class ModelStandIn:
    def __init__(self, answer: Answer, *, hold: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answered = 0
        self.port = free_port()
        self._released = threading.Event()
        if not hold:
            self._released.set()
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def complete(request: Request) -> dict[str, Any]:
            body = await request.json()
            self.requests.append(body)
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            self.answered += 1
            return {
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "standin"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": json.dumps(answer(body))},
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def release(self) -> None:
        """Let held requests (and all later ones) be answered."""
        self._released.set()

    def __enter__(self) -> "ModelStandIn":
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._released.set()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def llm_env(url: str) -> dict[str, str]:
    return {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "standin", "TANGGAP_LLM_MODEL": "standin"}
