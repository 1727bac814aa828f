import OrderedCollections
import Testing

import StreamdCore
import StreamdHTTP

/// `Router`: literal and `{parameter}` segments, the JSON 404/405 error shape (SPEC §3.3), HEAD
/// served by GET routes, slash handling, and that paths are taken as libmicrohttpd decoded them.
@Suite struct RouterTests {
    /// A router shaped like the daemon's (`Daemon.makeRouter`), whose handlers answer which route
    /// ran, with which method and parameters.
    static let router: Router = {
        var router = Router()
        func echo(_ route: String) -> Router.Handler {
            { request, parameters in
                var members: JSONObject = ["route": .string(route), "method": .string(request.method)]
                for (key, value) in parameters.sorted(by: { $0.key < $1.key }) { members["param_" + key] = .string(value) }
                return .json(200, .object(members))
            }
        }
        router.add("GET", "/healthz", echo("healthz"))
        router.add("GET", "/v1/pipelines", echo("list"))
        router.add("GET", "/v1/pipelines/{name}", echo("describe"))
        router.add("PUT", "/v1/pipelines/{name}", echo("put"))
        router.add("DELETE", "/v1/pipelines/{name}", echo("delete"))
        router.add("POST", "/v1/pipelines/{name}/start", echo("start"))
        router.add("POST", "/v1/pipelines/{name}/events", echo("events"))
        router.add("GET", "/v1/pipelines/{name}/output", echo("output"))
        router.add("GET", "/v1/things/{kind}/items/{id}", echo("item"))
        router.add("GET", "/metrics", echo("metrics"))
        return router
    }()

    struct Reply {
        var status: Int
        var contentType: String?
        var body: JSONValue
        var allow: String?

        var route: String? { body.objectValue?["route"]?.stringValue }
        var method: String? { body.objectValue?["method"]?.stringValue }
        func parameter(_ name: String) -> String? { body.objectValue?["param_" + name]?.stringValue }
        var error: JSONObject? { body.objectValue?["error"]?.objectValue }
    }

    static func send(_ method: String, _ path: String, to router: Router = router) throws -> Reply {
        let response = router.handle(HTTPRequest(method: method, path: path))
        return Reply(
            status: response.status, contentType: response.contentType,
            body: try JSONParser.parse(response.body), allow: response.header("Allow")
        )
    }

    // MARK: - Matching

    @Test func literalRoute() throws {
        let reply = try Self.send("GET", "/healthz")
        #expect(reply.status == 200)
        #expect(reply.route == "healthz")
        #expect(reply.body.objectValue?.keys.contains { $0.hasPrefix("param_") } == false)
    }

    @Test func literalRouteIsNotAPrefixMatch() throws {
        #expect(try Self.send("GET", "/v1/pipelines").route == "list")
        #expect(try Self.send("GET", "/healthzz").status == 404)
        #expect(try Self.send("GET", "/health").status == 404)
    }

    @Test func parameterRoute() throws {
        let reply = try Self.send("GET", "/v1/pipelines/web-events")
        #expect(reply.status == 200)
        #expect(reply.route == "describe")
        #expect(reply.parameter("name") == "web-events")
    }

    @Test func parameterFollowedByLiteral() throws {
        let reply = try Self.send("POST", "/v1/pipelines/metrics/events")
        #expect(reply.route == "events")
        #expect(reply.parameter("name") == "metrics")
        #expect(try Self.send("POST", "/v1/pipelines/metrics/start").route == "start")
    }

    @Test func twoParameters() throws {
        let reply = try Self.send("GET", "/v1/things/books/items/42")
        #expect(reply.route == "item")
        #expect(reply.parameter("kind") == "books")
        #expect(reply.parameter("id") == "42")
    }

    @Test func sameTemplateDispatchesByMethod() throws {
        #expect(try Self.send("GET", "/v1/pipelines/p").route == "describe")
        #expect(try Self.send("PUT", "/v1/pipelines/p").route == "put")
        #expect(try Self.send("DELETE", "/v1/pipelines/p").route == "delete")
    }

    @Test func parameterTakesAnyTextOfOneSegment() throws {
        // The router does not validate names: the handler answers 404 for an unknown pipeline.
        #expect(try Self.send("GET", "/v1/pipelines/Not_A.Valid~Name").parameter("name") == "Not_A.Valid~Name")
        #expect(try Self.send("GET", "/v1/pipelines/pipelines").parameter("name") == "pipelines")
    }

    // MARK: - 404

    @Test(arguments: [
        "/", "", "/nope", "/v1", "/v1/pipelines/a/b/c", "/v1/pipelines/a/unknown-action", "/V1/PIPELINES",
        "/v1/things/books/items", "/healthz/extra",
    ])
    func unknownPathIsNotFoundInTheErrorShape(path: String) throws {
        let reply = try Self.send("GET", path)
        #expect(reply.status == 404)
        #expect(reply.contentType == "application/json")
        #expect(reply.allow == nil)
        let error = try #require(reply.error)
        #expect(reply.body.objectValue?.keys.elementsEqual(["error"]) == true, "the body is only {\"error\": {...}}")
        #expect(error["code"] == "not_found")
        let message = try #require(error["message"]?.stringValue)
        #expect(!message.isEmpty)
        #expect(message.contains(path))
    }

    @Test func notFoundForEveryMethod() throws {
        for method in ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"] {
            let reply = try Self.send(method, "/no/such/thing")
            #expect(reply.status == 404, "\(method)")
            #expect(reply.error?["code"] == "not_found", "\(method)")
        }
    }

    @Test func emptyRouterAnswersNotFound() throws {
        let reply = try Self.send("GET", "/healthz", to: Router())
        #expect(reply.status == 404)
        #expect(reply.error?["code"] == "not_found")
    }

    // MARK: - 405

    @Test func wrongMethodIsMethodNotAllowedWithAllow() throws {
        let reply = try Self.send("POST", "/v1/pipelines/p")
        #expect(reply.status == 405)
        #expect(reply.contentType == "application/json")
        #expect(reply.allow == "GET, PUT, DELETE")
        let error = try #require(reply.error)
        #expect(error["code"] == "method_not_allowed")
        let message = try #require(error["message"]?.stringValue)
        #expect(message.contains("POST"))
        #expect(message.contains("GET") && message.contains("PUT") && message.contains("DELETE"))
    }

    @Test(arguments: [
        ("DELETE", "/healthz", "GET"),
        ("PUT", "/v1/pipelines", "GET"),
        ("GET", "/v1/pipelines/p/events", "POST"),
        ("PUT", "/v1/pipelines/p/start", "POST"),
        ("POST", "/v1/pipelines/p/output", "GET"),
        ("PATCH", "/v1/pipelines/p", "GET, PUT, DELETE"),
        ("OPTIONS", "/metrics", "GET"),
    ])
    func allowListsTheMethodsOfThePath(method: String, path: String, allow: String) throws {
        let reply = try Self.send(method, path)
        #expect(reply.status == 405)
        #expect(reply.allow == allow)
        #expect(reply.error?["code"] == "method_not_allowed")
    }

    @Test func methodsAreCaseSensitive() throws {
        let reply = try Self.send("get", "/healthz")
        #expect(reply.status == 405)
        #expect(reply.allow == "GET")
    }

    @Test func allowNamesEachMethodOnceWhenTemplatesOverlap() throws {
        var router = Router()
        router.add("GET", "/a/{x}") { _, _ in .json(200, ["route": "param"]) }
        router.add("GET", "/a/b") { _, _ in .json(200, ["route": "literal"]) }
        router.add("PUT", "/a/b") { _, _ in .json(200, ["route": "put"]) }
        let reply = try Self.send("DELETE", "/a/b", to: router)
        #expect(reply.status == 405)
        #expect(reply.allow == "GET, PUT")
    }

    @Test func firstMatchingRouteWins() throws {
        var router = Router()
        router.add("GET", "/a/{x}") { _, _ in .json(200, ["route": "param"]) }
        router.add("GET", "/a/b") { _, _ in .json(200, ["route": "literal"]) }
        #expect(try Self.send("GET", "/a/b", to: router).route == "param")
        #expect(try Self.send("GET", "/a/c", to: router).route == "param")
    }

    // MARK: - HEAD

    @Test func headIsServedByGetRoutes() throws {
        let reply = try Self.send("HEAD", "/v1/pipelines/p/output")
        #expect(reply.status == 200)
        #expect(reply.route == "output")
        #expect(reply.method == "HEAD", "the handler sees the real method")
        #expect(reply.parameter("name") == "p")
        #expect(try Self.send("HEAD", "/healthz").route == "healthz")
    }

    @Test func headOnAPathWithoutGetIsMethodNotAllowed() throws {
        let reply = try Self.send("HEAD", "/v1/pipelines/p/events")
        #expect(reply.status == 405)
        #expect(reply.allow == "POST")
    }

    @Test func explicitHeadRouteIsUsed() throws {
        var router = Router()
        router.add("HEAD", "/x") { _, _ in .json(200, ["route": "head"]) }
        #expect(try Self.send("HEAD", "/x", to: router).route == "head")
        let get = try Self.send("GET", "/x", to: router)
        #expect(get.status == 405)
        #expect(get.allow == "HEAD")
    }

    // MARK: - Slashes

    @Test(arguments: [
        ("/healthz/", "healthz"),
        ("//healthz", "healthz"),
        ("/healthz//", "healthz"),
        ("/v1/pipelines/", "list"),
        ("//v1//pipelines", "list"),
        ("/v1/pipelines/p/", "describe"),
        ("/v1//pipelines///p", "describe"),
        ("/v1/pipelines/p//events/", "events"),
    ])
    func trailingAndRepeatedSlashesAreIgnored(path: String, route: String) throws {
        let method = route == "events" ? "POST" : "GET"
        let reply = try Self.send(method, path)
        #expect(reply.status == 200)
        #expect(reply.route == route)
        if route != "healthz" && route != "list" { #expect(reply.parameter("name") == "p") }
    }

    @Test func anEmptySegmentIsSkippedNotAnEmptyParameter() throws {
        // `/v1/pipelines//output` reads as `/v1/pipelines/output`: a handler never gets "".
        let reply = try Self.send("GET", "/v1/pipelines//output")
        #expect(reply.route == "describe")
        #expect(reply.parameter("name") == "output")
    }

    // MARK: - Percent-escapes (libmicrohttpd has already decoded the path)

    @Test(arguments: ["%2569", "a%2Fb", "a%20b", "%41", "100%", "%", "%zz", "%00"])
    func percentEscapesInParametersAreKeptAsGiven(name: String) throws {
        let reply = try Self.send("GET", "/v1/pipelines/\(name)")
        #expect(reply.status == 200)
        #expect(reply.route == "describe")
        #expect(reply.parameter("name") == name)
    }

    @Test func percentEscapesInLiteralsAreNotDecoded() throws {
        #expect(try Self.send("GET", "/heal%74hz").status == 404)
        #expect(try Self.send("GET", "/v1%2Fpipelines").status == 404)
        let reply = try Self.send("POST", "/v1/pipelines/p/%65vents")
        #expect(reply.status == 404)
        #expect(reply.error?["code"] == "not_found")
    }

    @Test func decodedCharactersArePassedThrough() throws {
        // What libmicrohttpd hands over after decoding: spaces, non-ASCII, a literal '%'.
        #expect(try Self.send("GET", "/v1/pipelines/a b").parameter("name") == "a b")
        #expect(try Self.send("GET", "/v1/pipelines/café").parameter("name") == "café")
        #expect(try Self.send("GET", "/v1/pipelines/50%").parameter("name") == "50%")
    }
}
