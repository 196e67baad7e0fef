import Foundation
import HPORuntime
import HPOWire
import HPOZeroMQ
import Testing

@Suite("ZeroMQ wrapper")
struct ZeroMQSocketTests {
    typealias Support = ZMQTestSupport

    @Test("libzmq is 4.x and built with CURVE")
    func versionAndCapabilities() {
        #expect(ZeroMQ.version.major == 4)
        #expect(ZeroMQ.has("curve"))
        #expect(!ZeroMQ.has("no-such-capability"))
    }

    @Test("curveKeyPair gives two distinct 40-character Z85 keys")
    func curveKeys() throws {
        let pair = try ZeroMQ.curveKeyPair()
        #expect(pair.publicKey.utf8.count == 40)
        #expect(pair.secretKey.utf8.count == 40)
        #expect(pair.publicKey != pair.secretKey)
        #expect(try ZeroMQ.curveKeyPair().publicKey != pair.publicKey)
    }

    @Test(
        "ROUTER/DEALER multipart round trip with an empty and a 1 MiB frame",
        arguments: ["tcp://127.0.0.1:*", "inproc://zeromq-round-trip"])
    func multipartRoundTrip(endpoint: String) throws {
        let context = try ZeroMQContext()
        let router = try ZeroMQSocket(context: context, type: .router)
        try router.bind(endpoint)
        let dealer = try ZeroMQSocket(context: context, type: .dealer)
        try dealer.connect(try router.lastEndpoint)

        let big = Support.pattern(count: 1 << 20)
        let request: Frames = [Support.bytes("hello"), [], big]
        #expect(try dealer.send(frames: request))

        let atRouter = try #require(try Support.receiveOne(router))
        #expect(atRouter.count == 4)
        #expect(Array(atRouter.dropFirst()) == request)

        let identity = atRouter[0]
        let reply: Frames = [[], big, Support.bytes("x")]
        #expect(try router.send(frames: [identity] + reply))
        let atDealer = try #require(try Support.receiveOne(dealer))
        #expect(atDealer == reply)
    }

    @Test("lastEndpoint resolves a wildcard port")
    func lastEndpointResolvesPort() throws {
        let context = try ZeroMQContext()
        let router = try ZeroMQSocket(context: context, type: .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = Int(endpoint.split(separator: ":").last ?? "")
        #expect((port ?? 0) > 0)
    }

    @Test("errors name the call, the errno and libzmq's text")
    func errorsAreDescriptive() throws {
        let context = try ZeroMQContext()
        let first = try ZeroMQSocket(context: context, type: .router)
        try first.bind("tcp://127.0.0.1:*")
        let endpoint = try first.lastEndpoint
        let second = try ZeroMQSocket(context: context, type: .router)
        let error = try #require(throws: ZeroMQError.self) { try second.bind(endpoint) }
        #expect(error.errno == EADDRINUSE)
        #expect(error.operation == "zmq_bind(\(endpoint))")
        #expect(error.message == String(cString: strerror(EADDRINUSE)))
        #expect(error.description.contains("zmq_bind(\(endpoint))"))
        #expect(error.description.contains(error.message))

        let unknown = try #require(throws: ZeroMQError.self) { try second.connect("nonsense://x") }
        #expect(unknown.errno == EPROTONOSUPPORT)
    }

    @Test("receive(dontWait:) returns nil when nothing is waiting")
    func receiveNothing() throws {
        let context = try ZeroMQContext()
        let dealer = try ZeroMQSocket(context: context, type: .dealer)
        try dealer.connect("tcp://127.0.0.1:1")
        #expect(try dealer.receive(dontWait: true) == nil)
        try dealer.set(.receiveTimeout(milliseconds: 10))
        #expect(try dealer.receive() == nil)
    }

    @Test("poll reports a readable file descriptor and times out on a quiet one")
    func pollFileDescriptor() throws {
        let context = try ZeroMQContext()
        let dealer = try ZeroMQSocket(context: context, type: .dealer)
        let waker = Waker()
        let quiet = try ZeroMQ.poll([.socket(dealer), .fileDescriptor(waker.fileDescriptor)], timeoutMilliseconds: 10)
        #expect(quiet == [false, false])
        waker.wake()
        let woken = try ZeroMQ.poll([.socket(dealer), .fileDescriptor(waker.fileDescriptor)], timeoutMilliseconds: 1000)
        #expect(woken == [false, true])
    }

    @Test("a ROUTER with routerMandatory refuses an unknown peer with EHOSTUNREACH")
    func routerMandatory() throws {
        let context = try ZeroMQContext()
        let router = try ZeroMQSocket(context: context, type: .router)
        try router.set(.routerMandatory(true))
        try router.bind("inproc://mandatory")
        let error = try #require(throws: ZeroMQError.self) {
            try router.send(frames: [Support.bytes("nobody"), Support.bytes("x")])
        }
        #expect(error.errno == EHOSTUNREACH)
    }

    @Test("a DEALER's routing id is the identity its ROUTER sees")
    func routingIdentity() throws {
        let context = try ZeroMQContext()
        let router = try ZeroMQSocket(context: context, type: .router)
        try router.bind("inproc://identity")
        let dealer = try ZeroMQSocket(context: context, type: .dealer)
        try dealer.set([.routingID(Support.bytes("worker-7")), .linger(milliseconds: 0)])
        #expect(try dealer.routingID == Support.bytes("worker-7"))
        try dealer.connect("inproc://identity")
        try dealer.send(frames: [Support.bytes("hi")])
        let frames = try #require(try Support.receiveOne(router))
        #expect(frames == [Support.bytes("worker-7"), Support.bytes("hi")])
    }

    @Test("CURVE options are accepted with generated keys")
    func curveOptions() throws {
        let context = try ZeroMQContext()
        let server = try ZeroMQ.curveKeyPair()
        let client = try ZeroMQ.curveKeyPair()
        let router = try ZeroMQSocket(context: context, type: .router)
        try router.set([.curveServer(true), .curveSecretKey(server.secretKey), .zapDomain("hpo")])
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try ZeroMQSocket(context: context, type: .dealer)
        try dealer.set([
            .curveServerKey(server.publicKey), .curvePublicKey(client.publicKey),
            .curveSecretKey(client.secretKey)
        ])
        try dealer.connect(try router.lastEndpoint)
        try dealer.send(frames: [Support.bytes("secret")])
        let frames = try #require(try Support.receiveOne(router))
        #expect(frames.last == Support.bytes("secret"))
        #expect(throws: ZeroMQError.self) { try dealer.set(.curveServerKey("too short")) }
    }

    @Test("zmq_ctx_shutdown from another thread ends a blocked receive with ETERM")
    func shutdownEndsBlockedReceive() throws {
        let context = try ZeroMQContext()
        let ready = DispatchSemaphore(value: 0)
        let receiver = Support.Background { () -> ZeroMQError? in
            do {
                let socket = try ZeroMQSocket(context: context, type: .dealer)
                try socket.connect("tcp://127.0.0.1:1")
                ready.signal()
                _ = try socket.receive()  // blocks until the context is shut down
                return nil
            } catch let error as ZeroMQError {
                ready.signal()
                return error
            } catch {
                ready.signal()
                return nil
            }
        }
        #expect(ready.wait(timeout: .now() + 5) == .success)
        context.shutdown()
        let error = try #require(receiver.wait(seconds: 5) ?? nil)
        #expect(error.isContextTerminated)
        #expect(error.operation == "zmq_msg_recv")
    }
}
