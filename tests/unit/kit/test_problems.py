from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, EmailStr

from contracts.problems import Refusal
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


class SeatTaken(Refusal):
    status = 409
    code = "seat_taken"
    title = "Seat is taken"


def test_a_refusal_raised_anywhere_is_answered_by_the_one_handler() -> None:
    application = app()

    @application.get("/seats/{seat}")
    async def seat(seat: str) -> None:
        raise SeatTaken(
            f"seat {seat} is taken",
            errors=[FieldError(loc=["path", "seat"], code="seat_taken", msg="taken")],
            members={"free_seats": 3},
        )

    response = TestClient(application).get("/seats/12a")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Seat is taken",
        "status": 409,
        "code": "seat_taken",
        "detail": "seat 12a is taken",
        "errors": [{"loc": ["path", "seat"], "code": "seat_taken", "msg": "taken"}],
        "free_seats": 3,
    }


def test_a_refusal_of_authentication_carries_the_bearer_challenge() -> None:
    application = app()

    class NoToken(Refusal):
        status = 401
        code = "not_authenticated"
        title = "Not authenticated"

    @application.get("/private")
    async def private() -> None:
        raise NoToken("a bearer token is required")

    response = TestClient(application).get("/private")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "a bearer token is required"


def test_services_map_no_errors_of_their_own_to_problem_json() -> None:
    # One handler in the kit: a service's API module defines its refusals in its domain, it
    # does not translate them (the portal answers people with pages, not problem+json).
    services = Path(__file__).parents[3] / "services"
    for name in ("registry", "ingest", "linkage"):
        for module in (services / name / "src" / name).rglob("*.py"):
            text = module.read_text()
            assert "add_exception_handler" not in text, module
            assert "problem_response(" not in text, module
