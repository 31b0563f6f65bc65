from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, EmailStr

from ketenkit import FieldError, Problem
from ketenkit.problems import install_problem_handlers


class Body(BaseModel):
    email: EmailStr


def app() -> FastAPI:
    application = FastAPI()
    install_problem_handlers(application)

    @application.post("/things")
    async def create(body: Body) -> dict[str, str]:
        if body.email.startswith("taken"):
            raise Problem(
                409,
                "Already registered",
                code="conflict",
                errors=[FieldError(loc=["body", "email"], code="taken", msg="in use")],
            )
        return {"ok": "yes"}

    return application


def test_validation_error_is_problem_json_with_field_errors() -> None:
    response = TestClient(app()).post("/things", json={"email": "not-an-address"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["errors"][0]["loc"] == ["body", "email"]
    assert problem["errors"][0]["code"] == "value_error"


def test_malformed_json_is_400_problem() -> None:
    response = TestClient(app()).post(
        "/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "json_invalid"


def test_raised_problem_and_unknown_route_are_problem_json() -> None:
    client = TestClient(app())
    conflict = client.post("/things", json={"email": "taken@example.nl"})
    assert conflict.status_code == 409
    assert conflict.json()["errors"] == [
        {"loc": ["body", "email"], "code": "taken", "msg": "in use"}
    ]
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    assert client.delete("/things").json()["code"] == "method_not_allowed"


def test_problem_texts_never_show_a_number_that_may_be_a_bsn() -> None:
    application = app()

    @application.get("/leaky")
    async def leaky() -> None:
        raise Problem(
            409,
            "Row 123456782",
            code="conflict",
            detail="BSN 123 456 782 already delivered",
            errors=[FieldError(loc=["body", "bsn"], code="taken", msg="111222333 in use")],
        )

    problem = TestClient(application).get("/leaky").json()
    assert problem["title"] == "Row *****6782"
    assert problem["detail"] == "BSN *****6782 already delivered"
    assert problem["errors"][0]["msg"] == "*****2333 in use"
