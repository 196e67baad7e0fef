import Foundation
import HPOTestSupport
import Testing

/// Debian's `chromium`, headless, driven over the DevTools protocol (`--remote-debugging-port`):
/// pages opened at a URL, JavaScript evaluated in them. Killed at the end of the test.
final class HeadlessChromium {
    static let executable = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    let process = Process()
    let stderrPath: String
    /// `127.0.0.1:PORT` of the DevTools HTTP endpoint.
    let devtools: String

    init(scratch: Scratch, width: Int = 1280, height: Int = 900, dark: Bool = false) throws {
        guard let executable = Self.executable else {
            throw WebSocketClient.Failure(description: "chromium not found: scripts/install-deps.sh installs it")
        }
        stderrPath = scratch.path("chromium.err")
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            "--user-data-dir=\(scratch.path("chromium-profile"))", "--window-size=\(width),\(height)"
        ]
        if dark { arguments += ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"] }
        process.arguments = arguments + ["about:blank"]
        let home = scratch.path("chromium-home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "HOME": home, "XDG_CONFIG_HOME": home, "XDG_CACHE_HOME": home
        ]) { _, new in new }
        process.standardOutput = FileHandle(forWritingAtPath: scratch.path("chromium.out")) ?? FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…"
        var found: String?
        let path = stderrPath
        _ = waitUntil(within: 90) {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            guard let range = text.range(of: "DevTools listening on ws://") else { return false }
            found = text[range.upperBound...].split(separator: "/").first.map(String.init)
            return true
        }
        guard let found else {
            process.terminate()
            throw WebSocketClient.Failure(
                description: "chromium did not open its DevTools port: "
                    + ((try? String(contentsOfFile: path, encoding: .utf8)) ?? ""))
        }
        devtools = found
    }

    /// A new tab at `url`.
    func open(_ url: String) throws -> DevToolsPage {
        let answer = try RawHTTPClient.exchange(
            devtools, "PUT /json/new?\(url) HTTP/1.1\r\nHost: \(devtools)\r\nConnection: close\r\n\r\n", within: 30)
        guard let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let socket = object["webSocketDebuggerUrl"] as? String
        else {
            throw WebSocketClient.Failure(description: "no page from /json/new: \(answer.headers) \(answer.body)")
        }
        return try DevToolsPage(socket: WebSocketClient(url: socket))
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// One tab: DevTools commands, answered in order (events in between are skipped).
final class DevToolsPage {
    private let socket: WebSocketClient
    private var nextID = 0

    init(socket: WebSocketClient) { self.socket = socket }

    /// Sends `method` and waits for its answer's `result`.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], within seconds: Double = 30) throws -> [String: Any] {
        nextID += 1
        let id = nextID
        let message = try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params])
        try socket.send(String(decoding: message, as: UTF8.self))
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let text = try socket.receive(within: max(0.01, deadline.timeIntervalSinceNow))
            guard let answer = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                answer["id"] as? Int == id
            else { continue }
            if let error = answer["error"] { throw WebSocketClient.Failure(description: "\(method): \(error)") }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    /// The value of a JavaScript expression (JSON-able values; promises awaited).
    func evaluate(_ expression: String, within seconds: Double = 30) throws -> Any? {
        let result = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true],
            within: seconds)
        if let exception = result["exceptionDetails"] {
            throw WebSocketClient.Failure(description: "\(expression): \(exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` every 100 ms until it is `true` or `seconds` pass. Each evaluation
    /// waits at most 3 s for its answer: one sent while the new tab is still navigating is never
    /// answered, and waiting the default 30 s for it made every first wait take 30 s.
    func waitFor(_ expression: String, within seconds: Double) -> Bool {
        waitUntil(within: seconds) {
            guard (try? evaluate(expression, within: 3)) as? Bool == true else {
                usleep(90_000)
                return false
            }
            return true
        }
    }

    /// Lays the page out at a phone's width, `width` × `height` CSS pixels (headless windows have
    /// a minimum width wider than a phone). Not `mobile`: that keeps a wider layout viewport.
    func emulatePhone(width: Int, height: Int) throws {
        try call(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
    }

    /// A PNG of the page as it is now.
    func screenshot(to path: String, fullPage: Bool = false) throws {
        var params: [String: Any] = ["format": "png"]
        if fullPage { params["captureBeyondViewport"] = true }
        let result = try call("Page.captureScreenshot", params, within: 60)
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw WebSocketClient.Failure(description: "no screenshot")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
