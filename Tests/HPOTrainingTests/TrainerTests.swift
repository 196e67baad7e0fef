import HPOCore
import Testing

@testable import HPOTraining

@Suite struct TrainerTests {
    /// A small, fast configuration for behaviour tests.
    static let small: Parameters = ["layers": .int(1), "units": .int(32), "epochs": .int(3)]

    @Test("with its defaults the trainer reaches at least 97% validation accuracy")
    func defaultsReach97Percent() throws {
        var reports: [TrialReport] = []
        let outcome = try MLPTrainer().train(TrainerHyperparameters(), seed: 0) {
            reports.append($0)
            return true
        }
        #expect(outcome.status == .completed)
        #expect(outcome.failureReason == nil)
        let accuracy = try #require(outcome.metrics["val_accuracy"])
        #expect(accuracy >= 0.97, "final val_accuracy \(accuracy)")
        #expect(reports.map(\.step) == Array(1...30))
    }

    @Test("each epoch reports train_loss, val_loss and val_accuracy; the result adds the best values and epochs")
    func reports() throws {
        var reports: [TrialReport] = []
        let outcome = try MLPTrainer().train(parameters: Self.small, seed: 1) {
            reports.append($0)
            return true
        }
        #expect(reports.map(\.step) == [1, 2, 3])
        #expect(reports.allSatisfy { Set($0.metrics.keys) == ["train_loss", "val_loss", "val_accuracy"] })
        let metrics = outcome.metrics
        #expect(
            Set(metrics.keys) == [
                "train_loss", "val_loss", "val_accuracy", "best_val_loss", "best_val_accuracy", "epochs"
            ])
        #expect(metrics["val_loss"] == reports.last?.metrics["val_loss"])
        #expect(metrics["best_val_loss"] == reports.compactMap { $0.metrics["val_loss"] }.min())
        #expect(metrics["best_val_accuracy"] == reports.compactMap { $0.metrics["val_accuracy"] }.max())
        #expect(metrics["epochs"] == 3)
        #expect(reports[2].metrics["train_loss"] ?? 9 < reports[0].metrics["train_loss"] ?? 0)
    }

    @Test(
        "the same seed gives identical metrics; another seed different ones",
        arguments: [MLPTrainer.Precision.single, .double])
    func deterministic(precision: MLPTrainer.Precision) throws {
        var parameters = Self.small
        parameters["dropout"] = .double(0.3)  // dropout masks are seeded too
        let trainer = MLPTrainer(precision: precision)
        let first = try trainer.train(parameters: parameters, seed: 5)
        let again = try trainer.train(parameters: parameters, seed: 5)
        let other = try trainer.train(parameters: parameters, seed: 6)
        #expect(first.metrics == again.metrics)
        #expect(first.metrics != other.metrics)
    }

    @Test("single and double precision agree closely")
    func precisions() throws {
        let single = try MLPTrainer(precision: .single).train(parameters: Self.small, seed: 2)
        let double = try MLPTrainer(precision: .double).train(parameters: Self.small, seed: 2)
        let a = try #require(single.metrics["val_loss"])
        let b = try #require(double.metrics["val_loss"])
        #expect(abs(a - b) / b < 1e-3)
    }

    @Test(
        "a huge learning rate ends the run as diverged, with a reason, early",
        arguments: [
            ["learning_rate": ParameterValue.double(50)],
            ["learning_rate": .double(50), "optimizer": .string("adam")],
            ["learning_rate": .double(200), "activation": .string("tanh"), "momentum": .double(0.99)]
        ])
    func divergence(parameters: Parameters) throws {
        var all = parameters
        all["epochs"] = .int(20)
        var reported = 0
        let outcome = try MLPTrainer().train(parameters: all, seed: 0) { _ in
            reported += 1
            return true
        }
        #expect(outcome.status == .diverged)
        let reason = try #require(outcome.failureReason)
        #expect(reason.hasPrefix("diverged at epoch "), "\(reason)")
        #expect(
            reason.contains("NaN") || reason.contains("infinity") || reason.contains("× the initial loss"), "\(reason)")
        #expect(outcome.epochsRun < 20)
        #expect(reported == outcome.epochsRun)
        #expect(outcome.metrics["epochs"] == Double(outcome.epochsRun))
    }

    @Test("the report callback returning false stops training after that epoch")
    func stop() throws {
        var parameters = Self.small
        parameters["epochs"] = .int(10)
        var seen: [Int] = []
        let outcome = try MLPTrainer().train(parameters: parameters, seed: 0) { report in
            seen.append(report.step)
            return report.step < 2
        }
        #expect(outcome.status == .stopped)
        #expect(seen == [1, 2])
        #expect(outcome.epochsRun == 2)
        #expect(outcome.failureReason == "stopped after epoch 2 of 10")
    }

    @Test("isCancelled stops training within the epoch")
    func cancelled() throws {
        var polls = 0
        let outcome = try MLPTrainer().train(parameters: Self.small, seed: 0) { _ in
            true
        } isCancelled: {
            polls += 1
            return polls > 30  // 23 mini-batches per epoch: during epoch 2
        }
        #expect(outcome.status == .stopped)
        #expect(outcome.epochsRun == 1)
        #expect(outcome.failureReason == "stopped during epoch 2 of 3")
    }

    @Test(
        "every optimizer and schedule trains (the loss falls)",
        arguments: [
            ["optimizer": ParameterValue.string("adam"), "learning_rate": .double(0.003)],
            ["nesterov": .string("true")],
            ["schedule": .string("triangular"), "cycle_epochs": .double(2)],
            ["schedule": .string("one-cycle"), "learning_rate": .double(0.2)],
            ["activation": .string("tanh"), "layers": .int(0)]
        ])
    func variants(parameters: Parameters) throws {
        var all = Self.small.merging(parameters) { $1 }
        all["epochs"] = .int(4)
        let outcome = try MLPTrainer().train(parameters: all, seed: 0)
        #expect(outcome.status == .completed)
        #expect(outcome.history.last?.trainLoss ?? 9 < outcome.history.first?.trainLoss ?? 0)
        #expect(outcome.metrics["val_accuracy"] ?? 0 > 0.85, "\(parameters): \(outcome.metrics)")
    }
}
