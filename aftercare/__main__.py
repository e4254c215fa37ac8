from aftercare.quick import main

main()
