from aftercare.cli import main

main()
