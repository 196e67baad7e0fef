import Foundation
import HPORuntime
import HPOWire

/// One long-lived thread that runs submitted jobs in order. `stopAndJoin` lets the job running
/// finish, drops the ones not started, and returns once the thread has ended, so no background
/// work outlives its owner (a thread inside BLAS while the process exits can crash it).
final class BackgroundLane: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false
    private var started = false
    private let finished = DispatchSemaphore(value: 0)
    private let name: String

    init(name: String) { self.name = name }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return }
        jobs.append(job)
        if !started {
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = name
            thread.start()
        }
        condition.signal()
    }

    func stopAndJoin() {
        condition.lock()
        stopping = true
        jobs.removeAll()
        let wasStarted = started
        condition.signal()
        condition.unlock()
        if wasStarted { finished.wait() }
    }

    private func loop() {
        SignalTrap.blockInThisThread()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                break
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
        finished.signal()
    }
}
