using ChunkGate.Kubernetes.Errors;
using ChunkGate.Kubernetes.Http;

namespace ChunkGate.Kubernetes.Tests.Http;

/// <summary>Bodies as the API server writes them (metav1.Status, per the API concepts reference).</summary>
public sealed class ApiErrorsTests
{
    private static KubernetesApiException Map(int code, string body, TimeSpan? retryAfter = null) =>
        ApiErrors.FromStatus(code, ApiErrors.TryParseStatus(body), retryAfter, "GET /api/v1/namespaces/default/pods/web");

    [Test]
    public void NotFound_CarriesTheServerMessageAndDetails()
    {
        var error = Map(404, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" not found","reason":"NotFound","details":{"name":"web","kind":"pods"},"code":404}""");

        error.Should().BeOfType<NotFoundException>();
        error.Message.Should().Be("GET /api/v1/namespaces/default/pods/web: pods \"web\" not found");
        error.Status!.Details!.Name.Should().Be("web");
        error.StatusCode.Should().Be(404);
    }

    [Test]
    public void Status409_IsTold_AlreadyExists_FromConflict_ByReason()
    {
        Map(409, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"web\" already exists","reason":"AlreadyExists","code":409}""")
            .Should().BeOfType<AlreadyExistsException>();
        Map(409, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Operation cannot be fulfilled on pods \"web\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","code":409}""")
            .Should().BeOfType<ConflictException>().Which.Message.Should().Contain("the object has been modified");
    }

    [Test]
    public void Invalid_ExposesEachCauseWithItsField()
    {
        var error = Map(422, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"V1Pod \"web\" is invalid: [spec.containers[0].image: Required value, metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain]","reason":"Invalid","details":{"name":"web","kind":"V1Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].image"},{"reason":"FieldValueInvalid","message":"Invalid value: \"Web\"","field":"metadata.name"}]},"code":422}""");

        var invalid = error.Should().BeOfType<InvalidException>().Subject;
        invalid.Causes.Select(cause => cause.Field).Should().Equal("spec.containers[0].image", "metadata.name");
        invalid.Causes[0].Reason.Should().Be("FieldValueRequired");
    }

    [Test]
    public void Forbidden_And_Unauthorized_AreTyped()
    {
        Map(403, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"secrets is forbidden: User \"system:serviceaccount:x:y\" cannot list resource \"secrets\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"kind":"secrets"},"code":403}""")
            .Should().BeOfType<ForbiddenException>().Which.Message.Should().Contain("cannot list resource");
        Map(401, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""")
            .Should().BeOfType<UnauthorizedException>();
    }

    [Test]
    public void Expired_And_Gone_Both_MeanRelist()
    {
        Map(410, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.","reason":"Expired","code":410}""")
            .Should().BeOfType<ExpiredException>().Which.Reason.Should().Be("Expired");
        Map(410, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (120)","reason":"Gone","code":410}""")
            .Should().BeOfType<ExpiredException>();
    }

    [Test]
    public void TooManyRequests_PrefersRetryAfterSecondsFromDetails_ThenTheHeader()
    {
        Map(429, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}""", TimeSpan.FromSeconds(1))
            .Should().BeOfType<TooManyRequestsException>().Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(3));
        Map(429, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"slow down","reason":"TooManyRequests","code":429}""", TimeSpan.FromSeconds(1))
            .Should().BeOfType<TooManyRequestsException>().Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(1));
    }

    [TestCase(404, typeof(NotFoundException))]
    [TestCase(409, typeof(ConflictException))]
    [TestCase(422, typeof(InvalidException))]
    [TestCase(403, typeof(ForbiddenException))]
    [TestCase(401, typeof(UnauthorizedException))]
    [TestCase(410, typeof(ExpiredException))]
    [TestCase(429, typeof(TooManyRequestsException))]
    [TestCase(500, typeof(KubernetesApiException))]
    public void WithoutAStatusBody_TheHttpCodeDecides(int code, Type expected)
    {
        var error = Map(code, "<html>proxy error</html>");

        error.Should().BeOfType(expected);
        error.StatusCode.Should().Be(code);
        error.Message.Should().Be($"GET /api/v1/namespaces/default/pods/web: HTTP {code}");
    }

    [Test]
    public void UnknownReason_FallsBackToTheCode()
    {
        Map(504, """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Timeout: request did not complete within requested timeout","reason":"Timeout","code":504}""")
            .Should().BeOfType<KubernetesApiException>().Which.Reason.Should().Be("Timeout");
    }
}
