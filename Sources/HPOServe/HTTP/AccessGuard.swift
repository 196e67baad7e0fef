import Foundation
import HTTPTypes
import Hummingbird

/// What every request passes first: a bound on the request target (414), the access token when
/// one is set (a cookie the page gets from `/?token=…`, or `Authorization: Bearer …`; compared in
/// constant time; 401 without it), and the headers that keep the page to itself (no framing, no
/// sniffing, no referrer, a content security policy allowing only its own scripts and styles).
struct AccessGuard: RouterMiddleware {
    typealias Context = ServeContext
    static let cookie = "hpo_token"

    let token: String?
    let maxTargetLength: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard request.uri.string.utf8.count <= maxTargetLength else {
            return Self.plain(.uriTooLong, "request target longer than \(maxTargetLength) bytes\n")
        }
        if let token {
            if request.method == .get, request.uri.path == "/", let offered = request.uri.queryParameters["token"] {
                guard Self.equal(String(offered), token) else {
                    return Self.plain(.unauthorized, "wrong token\n")
                }
                // Into a cookie, and out of the address bar (and the history).
                var response = Response(status: .seeOther, headers: [.location: "/"])
                response.headers[.setCookie] = "\(Self.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict"
                return Self.secured(response)
            }
            guard Self.offered(in: request).contains(where: { Self.equal($0, token) }) else {
                return Self.plain(
                    .unauthorized,
                    "this server needs its access token: open the address hpo serve printed "
                        + "(http://HOST:PORT/?token=…), or send Authorization: Bearer TOKEN\n")
            }
        }
        return Self.secured(try await next(request, context))
    }

    /// Tokens a request offers: its bearer token and its token cookies.
    static func offered(in request: Request) -> [String] {
        var tokens: [String] = []
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            tokens.append(String(authorization.dropFirst("Bearer ".count)))
        }
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == cookie { tokens.append(parts[1]) }
            }
        }
        return tokens
    }

    /// Equal strings, in time that depends only on their lengths (not on where they differ).
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        secured(
            Response(
                status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text))))
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!

    static func secured(_ response: Response) -> Response {
        var response = response
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "no-referrer"
        response.headers[Self.frameOptions] = "DENY"
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
