// Subcommands.swift — the table of subcommands main.swift dispatches on: each one's declaration (CommandInfo: what
// the help shows and the parser accepts) and its work.

/// Every subcommand, in the order `seq2seq --help` lists them: one line each, its help and its work.
let subcommands: [(info: CommandInfo, run: @Sendable (Arguments) throws -> Void)] = [
    (TrainCommand.info, TrainCommand.run),
    (TranslateCommand.info, TranslateCommand.run),
    (AttentionCommand.info, AttentionCommand.run),
    (InspectCommand.info, InspectCommand.run),
    (ExploreCommand.info, ExploreCommand.run),
    (InfoCommand.info, InfoCommand.run),
    (ConvertCommand.info, ConvertCommand.run),
    (PlotCommand.info, PlotCommand.run),
    (ScoreCommand.info, ScoreCommand.run),
    (EvalCommand.info, EvalCommand.run),
    (AverageCommand.info, AverageCommand.run),
    (CorpusCommand.info, CorpusCommand.run),
    (BenchCommand.info, BenchCommand.run),
]
