import DayZeroCLI

DayZeroCommand.main()
