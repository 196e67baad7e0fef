import HPOCore
import HPOTraining
import Testing

@Suite struct HyperparameterTests {
    @Test("no parameters give the defaults; knownNames lists every field")
    func defaults() throws {
        let h = try TrainerHyperparameters([:])
        #expect(h == TrainerHyperparameters())
        #expect(
            Set(TrainerHyperparameters().parameters.keys).union(["lr_min"]) == Set(TrainerHyperparameters.knownNames))
        #expect(TrainerHyperparameters.knownNames.count == 20)
    }

    @Test("every field can be set, and reads back through parameters")
    func roundTrip() throws {
        let parameters: Parameters = [
            "learning_rate": .double(0.2), "momentum": .double(0.5), "nesterov": .string("true"),
            "dropout": .double(0.25),
            "layers": .int(3), "units": .int(64), "activation": .string("tanh"), "batch_size": .int(32),
            "epochs": .int(7),
            "weight_decay": .double(0.001), "optimizer": .string("adam"), "beta1": .double(0.8), "beta2": .double(0.99),
            "schedule": .string("triangular"), "lr_min": .double(0.01), "cycle_epochs": .double(3),
            "cycle_momentum": .string("false"), "split_seed": .int(4)
        ]
        let h = try TrainerHyperparameters(parameters)
        #expect(h.layers == 3 && h.activation == .tanh && h.optimizer == .adam && h.schedule == .triangular)
        #expect(h.nesterov && !h.cycleMomentum && h.lrMin == 0.01 && h.splitSeed == 4)
        #expect(try TrainerHyperparameters(h.parameters) == h)
    }

    @Test("integers may come as whole doubles, numbers as integers, booleans as 0/1")
    func lenientTypes() throws {
        let h = try TrainerHyperparameters(["units": .double(64), "learning_rate": .int(1), "nesterov": .int(1)])
        #expect(h.units == 64 && h.learningRate == 1 && h.nesterov)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var parameters: Parameters
        var name: String
        var message: String?
        var testDescription: String { name }

        init(_ parameters: Parameters, _ name: String, _ message: String?) {
            self.parameters = parameters
            self.name = name
            self.message = message
        }
    }

    static let badInputs: [BadInput] = [
        BadInput(
            ["learning_rat": .double(0.1)], "learning_rat",
            """
            unknown hyperparameter 'learning_rat' (did you mean 'learning_rate'?); the mlp trainer knows: \
            learning_rate, momentum, nesterov, dropout, layers, units, activation, batch_size, epochs, \
            weight_decay, optimizer, beta1, beta2, schedule, lr_min, cycle_epochs, cycle_momentum, split_seed, \
            checkpoint_every, checkpoint_seconds
            """
        ),
        BadInput(["x0": .double(1)], "x0", nil),
        BadInput(["momentum": .double(1)], "momentum", "hyperparameter 'momentum' must be in [0, 1), got 1"),
        BadInput(
            ["learning_rate": .double(0)], "learning_rate", "hyperparameter 'learning_rate' must be in (0, 1000], got 0"
        ),
        BadInput(
            ["learning_rate": .double(.nan)], "learning_rate",
            "hyperparameter 'learning_rate' must be finite, got nan"),
        BadInput(["layers": .double(2.5)], "layers", "hyperparameter 'layers' must be an integer, got '2.5'"),
        BadInput(["units": .string("many")], "units", "hyperparameter 'units' must be an integer, got 'many'"),
        BadInput(["units": .int(0)], "units", "hyperparameter 'units' must be in [1, 4096], got 0"),
        BadInput(
            ["activation": .string("sigmoid")], "activation",
            "hyperparameter 'activation' must be one of relu, tanh, got 'sigmoid'"),
        BadInput(["optimizer": .int(1)], "optimizer", "hyperparameter 'optimizer' must be one of sgd, adam, got '1'"),
        BadInput(
            ["schedule": .string("cosine")], "schedule",
            "hyperparameter 'schedule' must be one of constant, triangular, one-cycle, got 'cosine'"),
        BadInput(
            ["nesterov": .string("yes")], "nesterov", "hyperparameter 'nesterov' must be true or false, got 'yes'"),
        BadInput(["dropout": .double(0.99)], "dropout", "hyperparameter 'dropout' must be in [0, 0.95], got 0.99"),
        BadInput(
            ["learning_rate": .string("0.1")], "learning_rate",
            "hyperparameter 'learning_rate' must be a number, got '0.1'"),
        BadInput(
            ["schedule": .string("one-cycle"), "learning_rate": .double(0.1), "lr_min": .double(0.2)], "lr_min",
            "hyperparameter 'lr_min' (0.2) must be below 'learning_rate' (0.1) for the one-cycle schedule"),
        BadInput(["split_seed": .int(-1)], "split_seed", "hyperparameter 'split_seed' must be in [0, ∞), got -1")
    ]

    @Test("bad input is an error naming the parameter", arguments: badInputs)
    func errors(input: BadInput) {
        #expect {
            _ = try TrainerHyperparameters(input.parameters)
        } throws: { error in
            guard let error = error as? HyperparameterError else { return false }
            return error.parameter == input.name && (input.message == nil || error.description == input.message)
        }
    }

    @Test("a far-off unknown name gets no suggestion")
    func noSuggestion() {
        #expect(throws: HyperparameterError.self) { try TrainerHyperparameters(["x0": .double(1)]) }
        do {
            _ = try TrainerHyperparameters(["x0": .double(1)])
        } catch {
            #expect(!error.description.contains("did you mean"))
        }
    }

    @Test("values set in code are checked by the trainer too")
    func validateInCode() {
        var h = TrainerHyperparameters()
        h.momentum = -0.5
        #expect(throws: HyperparameterError.self) { try MLPTrainer().train(h) }
    }
}
