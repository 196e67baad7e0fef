import Foundation
import Hummingbird

/// The thread that follows the logs: every `pollInterval` it reads what they gained
/// (`StudyCatalog.refresh`) and, when anything changed, publishes the study list to every event
/// stream; every `keepAliveInterval` without a change it publishes a comment, so streams whose
/// client went away are found and closed.
final class StudyWatcher: @unchecked Sendable {
    private let catalog: StudyCatalog
    private let broadcaster: Broadcaster
    private let pollInterval: Double
    private let keepAliveInterval: Double
    private let stop = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var started = false

    init(catalog: StudyCatalog, broadcaster: Broadcaster, pollInterval: Double, keepAliveInterval: Double) {
        self.catalog = catalog
        self.broadcaster = broadcaster
        self.pollInterval = pollInterval
        self.keepAliveInterval = keepAliveInterval
    }

    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in loop() }
        thread.name = "hpo serve: follow logs"
        thread.start()
    }

    func stopAndJoin() {
        lock.lock()
        let wasStarted = started
        lock.unlock()
        guard wasStarted else { return }
        stop.signal()
        finished.wait()
    }

    private func loop() {
        var quiet = 0.0
        while stop.wait(timeout: .now() + pollInterval) == .timedOut {
            if catalog.refresh() {
                broadcaster.publish(Broadcaster.event("studies", data: catalog.listJSON()))
                quiet = 0
            } else {
                quiet += pollInterval
                if quiet >= keepAliveInterval {
                    broadcaster.publish(ByteBuffer(string: ": keep-alive\n\n"))
                    quiet = 0
                }
            }
        }
        finished.signal()
    }
}
