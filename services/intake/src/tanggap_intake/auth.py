"""Machine access: `Authorization: Bearer <key>` when an operator set TANGGAP_BOOTSTRAP_API_KEY."""

import hmac

from fastapi import HTTPException, Request


async def require_api_key(request: Request) -> None:
    expected: str | None = request.app.state.settings.bootstrap_api_key
    if not expected:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            status_code=401,
            detail="Missing API key: send the header 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="This API key is not valid.")
